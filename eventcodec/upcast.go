package eventcodec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"assurance-ledger/domain"
)

// The upcasters of Shapes: each a pure function from one schema version's JSON of a type to the
// next's.

// assuranceV1 is AssuranceRecorded's data as schema version 1 wrote it: each criterion met or not,
// conditions as bare text.
type assuranceV1 struct {
	Version  int    `json:"version"`
	SHACode  string `json:"sha_code"`
	Outcome  string `json:"outcome"`
	Criteria []struct {
		ID   string `json:"id"`
		Met  *bool  `json:"met"`
		Note string `json:"note"`
	} `json:"criteria"`
	Conditions          []string `json:"conditions"`
	ReflectedInPfITPlan bool     `json:"reflected_in_pfit_plan"`
	PfIT                string   `json:"pfit"`
}

// upcastAssuranceV1 turns AssuranceRecorded's version 1 data into version 2's: a criterion met is
// rated green, one not met red; the i-th condition (from 1) becomes condition "c<i>" with its text
// and no criterion or due date, which version 1 did not record. Everything else is kept.
func upcastAssuranceV1(data []byte) ([]byte, error) {
	// The ledger's own version 1 JSON, read by a shape reader and written by the generated writer:
	// an old log replays an assurance in a few allocations. Anything else takes encoding/json's path
	// (FuzzUpcastAssuranceV1FastPathMatches holds the two together).
	if out, ok := upcastAssuranceV1Fast(data); ok {
		return out, nil
	}
	return upcastAssuranceV1JSON(data)
}

// upcastAssuranceV1JSON is upcastAssuranceV1 by encoding/json, for any JSON of version 1's shape.
func upcastAssuranceV1JSON(data []byte) ([]byte, error) {
	var v1 assuranceV1
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a member this does not know would be lost
	if err := dec.Decode(&v1); err != nil {
		return nil, fmt.Errorf("not AssuranceRecorded data of schema version 1: %w", err)
	}
	v2 := domain.AssuranceRecorded{Version: v1.Version, SHACode: v1.SHACode, Outcome: domain.Outcome(v1.Outcome),
		Criteria: make([]domain.Criterion, len(v1.Criteria)), Conditions: make([]domain.Condition, len(v1.Conditions)),
		ReflectedInPfITPlan: v1.ReflectedInPfITPlan, PfIT: v1.PfIT}
	for i, c := range v1.Criteria {
		if c.Met == nil {
			return nil, fmt.Errorf("criteria[%d] (%q) has no met", i, c.ID)
		}
		rating := domain.RatingRed
		if *c.Met {
			rating = domain.RatingGreen
		}
		v2.Criteria[i] = domain.Criterion{ID: c.ID, Rating: rating, Note: c.Note}
	}
	for i, text := range v1.Conditions {
		v2.Conditions[i] = domain.Condition{ID: "c" + strconv.Itoa(i+1), Text: text}
	}
	_, out, err := EncodeEvent(v2)
	return out, err
}

// criterionV1 is a criterion as schema version 1 wrote it.
type criterionV1 struct {
	ID   string
	Met  bool
	Note string
}

func readCriterionV1(r *shapeReader, v *criterionV1) bool {
	return r.lit(`{"id":`) && r.str(&v.ID) &&
		r.lit(`,"met":`) && r.bool(&v.Met) &&
		r.lit(`,"note":`) && r.str(&v.Note) &&
		r.lit("}")
}

// upcastAssuranceV1Fast is upcastAssuranceV1 for version 1 data in the shape the ledger wrote it
// (members in declaration order, no white space); false for anything else. Its strings borrow
// data's memory only until the version 2 JSON is written.
func upcastAssuranceV1Fast(data []byte) ([]byte, bool) {
	r := shapeReader{b: data, borrow: true}
	var (
		v2       domain.AssuranceRecorded
		criteria []criterionV1
		texts    []string
	)
	if !(r.lit(`{"version":`) && r.int(&v2.Version) &&
		r.lit(`,"sha_code":`) && r.str(&v2.SHACode) &&
		r.lit(`,"outcome":`) && r.str((*string)(&v2.Outcome)) &&
		r.lit(`,"criteria":`) && list(&r, &criteria, readCriterionV1) &&
		r.lit(`,"conditions":`) && list(&r, &texts, (*shapeReader).str) &&
		r.lit(`,"reflected_in_pfit_plan":`) && r.bool(&v2.ReflectedInPfITPlan) &&
		r.lit(`,"pfit":`) && r.str(&v2.PfIT) &&
		r.end()) {
		return nil, false
	}
	v2.Criteria = make([]domain.Criterion, len(criteria))
	for i, c := range criteria {
		v2.Criteria[i] = domain.Criterion{ID: c.ID, Rating: domain.RatingRed, Note: c.Note}
		if c.Met {
			v2.Criteria[i].Rating = domain.RatingGreen
		}
	}
	v2.Conditions = make([]domain.Condition, len(texts))
	for i, text := range texts {
		v2.Conditions[i] = domain.Condition{ID: "c" + strconv.Itoa(i+1), Text: text}
	}
	w := jsonWriter{b: make([]byte, 0, len(data)+8*len(criteria)+48*len(texts)+16), ok: true}
	jsonAssuranceRecorded(&w, &v2)
	return w.b, w.ok
}
