// The testing guide's (docs/testing.md) Jest recipe, run the way a user's project runs it: Jest's jsdom environment, the
// built package imported by name through its own exports map, plain CommonJS so nothing is transformed.
module.exports = {
  rootDir: '../..',
  roots: ['<rootDir>/test/jest'],
  testMatch: ['**/*.test.cjs'],
  testEnvironment: 'jsdom',
  transform: {},
}
