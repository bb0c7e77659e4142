package eventstore

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// MaxStreamNameLen bounds stream names so that every implementation can index them.
const MaxStreamNameLen = 255

// ValidateAppend checks the arguments of an append that every implementation must refuse alike.
func ValidateAppend(stream string, expected ExpectedRevision, events []Event) error {
	if !expected.IsSet() {
		return fmt.Errorf("%w: no expected revision (use Any to skip the concurrency check)", ErrInvalidAppend)
	}
	if stream == "" || len(stream) > MaxStreamNameLen || strings.ContainsRune(stream, 0) {
		return fmt.Errorf("%w: stream name must be 1-%d bytes without NUL", ErrInvalidAppend, MaxStreamNameLen)
	}
	if strings.HasPrefix(stream, "$") {
		return fmt.Errorf("%w: stream names starting with $ are reserved", ErrInvalidAppend)
	}
	if len(events) == 0 {
		return fmt.Errorf("%w: no events", ErrInvalidAppend)
	}
	seen := make(map[uuid.UUID]struct{}, len(events))
	for i, e := range events {
		if e.ID == uuid.Nil {
			return fmt.Errorf("%w: event %d has no id", ErrInvalidAppend, i)
		}
		if e.Type == "" || strings.HasPrefix(e.Type, "$") {
			return fmt.Errorf("%w: event %d has an empty or reserved ($) type", ErrInvalidAppend, i)
		}
		if _, dup := seen[e.ID]; dup {
			return fmt.Errorf("%w: event id %s appears twice", ErrInvalidAppend, e.ID)
		}
		seen[e.ID] = struct{}{}
	}
	return nil
}
