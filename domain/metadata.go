package domain

import "time"

// Metadata is carried by every event. Hash covers everything else in the event (the chain hash, see
// eventcodec.ChainHash).
type Metadata struct {
	EventID       string    `json:"event_id"`
	CommandID     string    `json:"command_id"`
	Actor         Actor     `json:"actor"`
	RecordedAt    time.Time `json:"recorded_at"`
	CorrelationID string    `json:"correlation_id"`
	SchemaVersion int       `json:"schema_version"`
	PrevHash      string    `json:"prev_hash"`
	Hash          string    `json:"hash,omitempty"`
}
