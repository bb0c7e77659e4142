package boltstore

// maxCachedHeads bounds the writer's cache of stream heads: far more than the streams written to
// at any one time, a few MB at most.
const maxCachedHeads = 16384

// streamHeads is the writer's memory of where recently written streams end and of the number the
// next new stream gets, so that an append does not look them up in the file's indexes. Only the
// writer goroutine uses it. Entries are set as appends are written inside a batch (a later append
// of the same batch must see them), so a batch that does not commit clears it all: the file may
// then hold more or less than it says.
type streamHeads struct {
	m          map[string]streamHead
	nextNumber uint64 // the next new stream's number; 0: look it up
}

type streamHead struct{ number, last uint64 }

func (h *streamHeads) set(stream string, number, last uint64) {
	if h.m == nil || len(h.m) >= maxCachedHeads {
		h.m = make(map[string]streamHead, 1024) // dropping all is simpler than an LRU, and rare
	}
	h.m[stream] = streamHead{number, last}
}

func (h *streamHeads) clear() {
	h.m = nil
	h.nextNumber = 0
}
