package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"assurance-ledger/domain"
)

// Request bodies of docs/design.md §7. Decoding is strict (see decodeBody); everything the server
// can derive (ids, actor, times, versions it can infer, hashes) is not accepted from the client.

type registerOrganisationBody struct {
	ODSCode string         `json:"ods_code"`
	Name    string         `json:"name"`
	Kind    domain.OrgKind `json:"kind"`
	SHACode string         `json:"sha_code"`
}

type appointChiefExecutiveBody struct {
	PersonID      string     `json:"person_id"`
	Name          string     `json:"name"`
	EffectiveFrom dateOrTime `json:"effective_from"`
}

type formLHCBody struct {
	LHCID   string   `json:"lhc_id"`
	Name    string   `json:"name"`
	LeadPCT string   `json:"lead_pct"`
	SHACode string   `json:"sha_code"`
	Members []string `json:"members"`
}

type changeMembersBody struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

type submitPlanBody struct {
	LHCID   string         `json:"lhc_id"`
	Round   string         `json:"round"`
	Period  domain.Period  `json:"period"`
	Content domain.Content `json:"content"`
}

type revisePlanBody struct {
	Content domain.Content `json:"content"`
	Reason  string         `json:"reason"`
}

type contributionBody struct {
	Section        string `json:"section"`
	Summary        string `json:"summary"`
	DocumentSHA256 string `json:"document_sha256"`
}

type signOffBody struct {
	Version     int    `json:"version"`
	Statement   string `json:"statement"`
	ContentHash string `json:"content_hash"`
}

type assuranceBody struct {
	Version             int                `json:"version"`
	Outcome             domain.Outcome     `json:"outcome"`
	Criteria            []domain.Criterion `json:"criteria"`
	Conditions          []domain.Condition `json:"conditions"`
	ReflectedInPfITPlan *bool              `json:"reflected_in_pfit_plan"`
	PfIT                string             `json:"pfit"`
}

type acknowledgementBody struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

type withdrawalBody struct {
	Reason string `json:"reason"`
}

// dateOrTime accepts "YYYY-MM-DD" (midnight UTC) or an RFC 3339 time: appointments are usually
// dated, but an exact moment is sometimes what the board minute records.
type dateOrTime struct{ time.Time }

func (d *dateOrTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("effective_from must be a string date (YYYY-MM-DD) or RFC 3339 time")
	}
	t, err := parseDateOrTime(s)
	if err != nil {
		return fmt.Errorf("effective_from %q: %v", s, err)
	}
	d.Time = t
	return nil
}

func parseDateOrTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("is neither a date (YYYY-MM-DD) nor an RFC 3339 time")
	}
	return t.UTC(), nil
}
