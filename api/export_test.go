package api

// WriteAnswer lets the external tests compare an answer with what the API writes for a value.
var WriteAnswer = writeAnswer
