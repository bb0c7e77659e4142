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
