package boltstore

// MissingChunks is missingChunks, for the tests of the package's users.
var MissingChunks = missingChunks
