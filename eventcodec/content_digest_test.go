package eventcodec

import (
	"encoding/json"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// withoutContent is d, a version event, without its content, and the content's hash.
func withoutContent(t testing.TB, d domain.EventData) (domain.EventData, string) {
	v := d.(domain.VersionEvent)
	_, c := v.VersionContent()
	hash, err := ContentHash(c)
	require.NoError(t, err)
	return v.WithoutContent(), hash
}

// digestTestMeta is the metadata the digest tests decode their events with.
func digestTestMeta(t testing.TB) []byte {
	meta, err := json.Marshal(domain.Metadata{EventID: "e", CommandID: "c", Actor: commissionr, RecordedAt: t0, SchemaVersion: SchemaVersion})
	require.NoError(t, err)
	return meta
}

// Every version event decodes the same with and without its content, and the digest is the
// content's hash, whether the shape reader or the general decoder reads it.
func TestDecodeEnvelopeDigest(t *testing.T) {
	meta := digestTestMeta(t)
	for _, d := range versionEvents(t) {
		typ, raw, err := EncodeEvent(d)
		require.NoError(t, err)
		for _, data := range [][]byte{raw, append([]byte(" "), raw...)} {
			full, err := DecodeEnvelope(typ, data, meta)
			require.NoError(t, err)
			got, err := DecodeEnvelopeDigest(typ, data, meta)
			require.NoError(t, err)
			want, hash := withoutContent(t, full.Data)
			require.Equal(t, want, got.Data, "%s", data)
			require.Equal(t, full.Meta, got.Meta)
			require.Equal(t, hash, got.ContentHash, "%s", data)
			require.Equal(t, hash, full.ContentHash, "a whole decode carries the hash too")
		}
	}
	_, err := DecodeEnvelopeDigest(domain.TypePlanSubmitted, []byte(`{"content":{"clinical5":{}}}`), meta)
	require.Error(t, err, "what DecodeEnvelope refuses, so does the digest")
}

// A plan folded from digests is the plan folded from whole events with its content forgotten.
func TestPlanFoldedFromDigests(t *testing.T) {
	events := lifecycle(t)
	full, digested := domain.NewPlan(), domain.NewPlan()
	for _, e := range events {
		typ, data, err := EncodeEvent(e.Data)
		require.NoError(t, err)
		meta, err := json.Marshal(e.Meta)
		require.NoError(t, err)
		whole, err := DecodeEnvelope(typ, data, meta)
		require.NoError(t, err)
		require.NoError(t, full.Apply(whole))
		if typ == domain.TypePlanSubmitted || typ == domain.TypePlanRevised {
			full.ForgetContent()
		}
		dig, err := DecodeEnvelopeDigest(typ, data, meta)
		require.NoError(t, err)
		require.NoError(t, digested.Apply(dig))
	}
	require.Equal(t, full, digested)
	require.Len(t, digested.Versions(), 2)
	require.NotEmpty(t, digested.Current().ContentHash)
}

// Content read without copying borrows the stored bytes; nothing that outlives the read may keep
// them. Here the intern table, shared with later decodes, must not hand out a borrowed string.
func TestBorrowedContentIsNotInterned(t *testing.T) {
	d := sampleEvents(t)[4].(domain.PlanSubmitted)
	_, a, err := EncodeEvent(d)
	require.NoError(t, err)
	_, b, err := EncodeEvent(d)
	require.NoError(t, err)
	var (
		table   internTable
		scratch domain.Content
	)
	_, ok := readVersionEvent(&table, domain.TypePlanSubmitted, a, &scratch, false)
	require.True(t, ok)
	require.Equal(t, d.Content, scratch)
	later, ok := readEventData(table.readerFor(b, false), domain.TypePlanSubmitted)
	require.True(t, ok)
	for i := range a {
		a[i] = 'x' // the stored bytes change once the digest is done
	}
	require.Equal(t, d, later)
}

// Nothing DecodeEnvelopeDigest returns shares the bytes it read: overwritten afterwards, the
// event is still what a decode of a copy gave.
func TestDigestKeepsNothingOfData(t *testing.T) {
	meta := digestTestMeta(t)
	for _, d := range planEvents(t) {
		typ, data, err := EncodeEvent(d)
		require.NoError(t, err)
		want, err := DecodeEnvelopeDigest(typ, slices.Clone(data), meta)
		require.NoError(t, err)
		got, err := DecodeEnvelopeDigest(typ, data, meta)
		require.NoError(t, err)
		for i := range data {
			data[i] = 'x'
		}
		require.Equal(t, want, got, typ)
	}
}

// The scratch goes back to its pool holding no borrowed string, not even beyond its lists'
// lengths, where a read that failed half way leaves them.
func TestClearScratchDropsBorrowedStrings(t *testing.T) {
	d := sampleEvents(t)[4].(domain.PlanSubmitted)
	_, raw, err := EncodeEvent(d)
	require.NoError(t, err)
	var s domain.Content
	_, ok := readVersionEvent(nil, domain.TypePlanSubmitted, raw, &s, false)
	require.True(t, ok)
	require.NotEmpty(t, s.Clinical5)
	s.Clinical5 = s.Clinical5[:1] // as after a failed read
	clearScratch(&s)
	require.Empty(t, s.Clinical5)
	require.Empty(t, s.NationalProgrammes)
	require.Empty(t, s.CommunityIntegration)
	require.Positive(t, cap(s.Clinical5), "the memory is kept for the next event")
	for _, c := range s.Clinical5[:cap(s.Clinical5)] {
		require.Equal(t, domain.Capability{}, c)
	}
	for _, p := range s.NationalProgrammes[:cap(s.NationalProgrammes)] {
		require.Equal(t, domain.NationalProgramme{}, p)
	}
}

// A version event that reaches a fold without a content hash is refused, not folded with none.
func TestApplyRefusesAVersionEventWithoutItsHash(t *testing.T) {
	meta := digestTestMeta(t)
	typ, data, err := EncodeEvent(sampleEvents(t)[4])
	require.NoError(t, err)
	e, err := DecodeEnvelopeDigest(typ, data, meta)
	require.NoError(t, err)
	require.NoError(t, domain.NewPlan().Apply(e), "as decoded")
	e.ContentHash = ""
	require.ErrorContains(t, domain.NewPlan().Apply(e), "no content hash")
}

// FuzzDigestIsContentHash: for any data, DecodeEnvelopeDigest's digest is the ContentHash of what
// DecodeEvent decodes, and its content digest that content's own (domain.Content.Digest), sharing
// nothing with the data; it refuses exactly what DecodeEvent (or ContentHash) refuses, and the rest
// of the event is the same.
func FuzzDigestIsContentHash(f *testing.F) {
	for _, d := range versionEvents(f) {
		if typ, raw, err := EncodeEvent(d); err == nil {
			f.Add(typ == domain.TypePlanRevised, raw)
		}
	}
	f.Add(false, []byte(`{"content":{"clinical5":[{"interim_date":"2009-02-30"}]}}`))
	f.Fuzz(func(t *testing.T, revised bool, raw []byte) {
		typ := domain.TypePlanSubmitted
		if revised {
			typ = domain.TypePlanRevised
		}
		full, ferr := DecodeEvent(typ, raw)
		in := slices.Clone(raw)
		got, hash, digest, err := digestContent(typ, in)
		clear(in) // nothing the digest returned may share these bytes
		var herr error
		if ferr == nil {
			_, c := full.(domain.VersionEvent).VersionContent()
			_, herr = ContentHash(c)
		}
		if ferr != nil || herr != nil {
			if err == nil {
				t.Fatalf("digest accepts what DecodeEvent/ContentHash refuse (%v / %v): %q", ferr, herr, raw)
			}
			return
		}
		if err != nil {
			t.Fatalf("digest refuses (%v) what DecodeEvent decodes: %q", err, raw)
		}
		want, wantHash := withoutContent(t, full)
		if hash != wantHash {
			t.Fatalf("digest %s, ContentHash %s: %q", hash, wantHash, raw)
		}
		require.Equal(t, want, got, "%q", raw)
		_, c := full.(domain.VersionEvent).VersionContent()
		require.Equal(t, c.Digest(nil), digest, "%q", raw)
	})
}

// A fold's event is the digest's without the metadata a fold does not use, and folding either gives
// the same plan.
func TestDecodeEnvelopeFold(t *testing.T) {
	events := lifecycle(t)
	digested, folded := domain.NewPlan(), domain.NewPlan()
	for _, e := range events {
		typ, data, err := EncodeEvent(e.Data)
		require.NoError(t, err)
		e.Meta.PrevHash, e.Meta.Hash = GenesisHash, SHA256Hex(data) // as sealed events have them
		meta, err := json.Marshal(e.Meta)
		require.NoError(t, err)
		for _, m := range [][]byte{meta, append([]byte(" "), meta...)} { // the shape reader's path and json's
			dig, err := DecodeEnvelopeDigest(typ, data, m)
			require.NoError(t, err)
			fold, err := DecodeEnvelopeFold(typ, data, m)
			require.NoError(t, err)
			require.NotEmpty(t, dig.Meta.CommandID)
			require.NotEmpty(t, dig.Meta.PrevHash)
			want := dig
			want.Meta.CommandID, want.Meta.CorrelationID, want.Meta.PrevHash, want.Meta.Hash = "", "", "", ""
			require.Equal(t, want, fold, "%s", m)
		}
		dig, err := DecodeEnvelopeDigest(typ, data, meta)
		require.NoError(t, err)
		require.NoError(t, digested.Apply(dig))
		fold, err := DecodeEnvelopeFold(typ, data, meta)
		require.NoError(t, err)
		require.NoError(t, folded.Apply(fold))
	}
	require.Equal(t, digested, folded)
	_, err := DecodeEnvelopeFold(domain.TypePlanSubmitted, []byte(`{}`), []byte(`{"event_id":"e","command_id":"\x"}`))
	require.Error(t, err, "metadata DecodeEnvelope refuses, so does the fold")
}

// Reads that borrow everything (LendContent's event, schemaVersionOf's metadata) leave nothing that
// shares their input's memory in the intern table, which later decodes use.
func TestBorrowingReadsAreNotInterned(t *testing.T) {
	_, data, err := EncodeEvent(sampleEvents(t)[4])
	require.NoError(t, err)
	meta := digestTestMeta(t)
	var table internTable
	var scratch domain.Content
	_, ok := readVersionEvent(&table, domain.TypePlanSubmitted, data, &scratch, true)
	require.True(t, ok)
	r := table.readerFor(meta, true)
	var m domain.Metadata
	require.True(t, r.metadata(&m, false))
	r.done()
	within := func(s string, b []byte) bool {
		p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(&b[0]))
		return p >= lo && p < lo+uintptr(len(b))
	}
	for _, s := range table.slots {
		if s != "" {
			require.False(t, within(s, data) || within(s, meta), "%q shares the input's memory", s)
		}
	}
}

// What a plan's fold checks equal is kept once: every sign-off of a version holds the version's own
// content hash, and the acknowledgement the assurance's own event id, not the copies each event
// brought from the log (a million of them, in the projections).
func TestFoldedPlanSharesWhatItChecked(t *testing.T) {
	p := domain.NewPlan()
	for _, e := range lifecycle(t)[:6] { // up to the acknowledgement
		s := store(t, e.Data, e.Meta)
		back, err := DecodeEnvelope(s.typ, s.data, s.metadata) // strings of their own, as read from a log
		require.NoError(t, err)
		require.NoError(t, p.Apply(back))
	}
	v := p.Current()
	require.GreaterOrEqual(t, len(v.SignOffs), 2)
	for _, s := range v.SignOffs {
		require.Same(t, unsafe.StringData(v.ContentHash), unsafe.StringData(s.ContentHash))
	}
	require.Same(t, unsafe.StringData(v.Assurance.EventID), unsafe.StringData(v.Acknowledgement.AssuranceEventID))
}
