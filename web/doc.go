// Package web is the read-only transparency dashboard: server-rendered pages over the same
// projections and the same access rules as the HTTP API, for people who would rather look than read
// JSON. It signs people in with the API's bearer tokens, kept in an HttpOnly, SameSite=Strict
// cookie, and every page can show the ledger as it stood at an earlier time.
package web
