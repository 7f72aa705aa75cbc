import fc from 'fast-check'

// A mutant that breaks an invariant only has to be caught, not explained: shrinking the failing
// sequence would cost more than the rest of the run.
fc.configureGlobal({ endOnFailure: true })
