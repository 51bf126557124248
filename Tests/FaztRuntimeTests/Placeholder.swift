// Runtime unit tests
