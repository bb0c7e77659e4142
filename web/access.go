package web

// Every signed-in role may read every page, as it may read every route of the API the pages show
// (the ledger is a transparency instrument: api/server.go). Only sign-in is checked (signedIn).
