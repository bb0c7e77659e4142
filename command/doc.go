// Package command turns commands into durable events: it loads a stream, folds it into domain state,
// lets the domain decide, seals the resulting event into the stream's hash chain and appends it with
// the revision it decided on.
//
// Concurrency is optimistic and retry-free: a stream that moved between load and append gives a
// *eventstore.ConflictError, never a lost update. Within one process commands on the same stream are
// serialised, so conflicts come only from a stale If-Match or from another process. A command id
// already recorded in the target stream returns the first result and appends nothing.
package command
