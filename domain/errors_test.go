package domain

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorIs(t *testing.T) {
	err := ErrStaleVersion.with("version %d is not %d", 1, 2)
	assert.ErrorIs(t, err, ErrStaleVersion)
	assert.NotErrorIs(t, err, ErrNoChange)
	assert.ErrorIs(t, fmt.Errorf("command: %w", err), ErrStaleVersion, "through wrapping")
	assert.ErrorIs(t, fmt.Errorf("%w: plan x", ErrPlanNotFound), ErrPlanNotFound, "a wrapped sentinel")
	assert.False(t, err.Is(errors.New("stale_version")))
	assert.False(t, err.Is((*Error)(nil)))
	assert.Equal(t, "stale_version: version 1 is not 2", err.Error())
	assert.Equal(t, "no_change", (&Error{Code: "no_change"}).Error())
	assert.Equal(t, "the command names a version that is not the current one", ErrStaleVersion.Message, "the sentinel is untouched")
	assert.Same(t, ErrNotLHCMember, ErrNotMember)
}

func TestErrorAt(t *testing.T) {
	err := ErrContentHashMismatch.at("content_hash", "%s differs", "abc")
	assert.Equal(t, []FieldError{{Field: "content_hash", Message: "abc differs"}}, err.Fields)
	assert.Equal(t, "content_hash: abc differs", err.Message)
}

func TestProblemsCode(t *testing.T) {
	var ps problems
	assert.NoError(t, ps.err())
	assert.Nil(t, ps.fields())
	ps.add(ErrInvalidCommand, "round", "is required")
	ps.add(ErrInvalidContent, "content.data_quality", "is required")
	e := ps.err().(*Error)
	assert.ErrorIs(t, e, ErrInvalidCommand, "no specific rule: the first problem's code")
	ps.add(ErrDateOutsidePeriod, "content.clinical5[0].interim_date", "outside")
	ps.add(ErrMissingCapability, "content.clinical5", "missing")
	e = ps.err().(*Error)
	assert.ErrorIs(t, e, ErrDateOutsidePeriod, "the first specific rule")
	assert.Len(t, e.Fields, 4)
	assert.Equal(t, "round: is required; content.data_quality: is required; content.clinical5[0].interim_date: outside; content.clinical5: missing", e.Message)
}

func TestSentinels(t *testing.T) {
	codes := map[string]bool{}
	for _, e := range Errors {
		assert.False(t, codes[e.Code], "code %s is used twice", e.Code)
		codes[e.Code] = true
		assert.Regexp(t, `^[a-z0-9_]+$`, e.Code)
		assert.NotEmpty(t, e.Message)
		assert.Contains(t, []int{403, 404, 409, 422}, e.Kind.HTTPStatus())
		assert.NotContains(t, e.Kind.String(), "ErrorKind(")
	}
	assert.Equal(t, "ErrorKind(0)", ErrorKind(0).String())
	assert.Equal(t, 422, ErrorKind(0).HTTPStatus())
	for _, c := range []struct {
		e    *Error
		kind ErrorKind
	}{
		{ErrRoleNotAllowed, KindForbidden}, {ErrWrongSHA, KindForbidden}, {ErrNotSignatory, KindForbidden},
		{ErrStaleVersion, KindConflict}, {ErrLivePlanExists, KindConflict}, {ErrPlanNotFound, KindNotFound},
		{ErrNotChiefExecutive, KindRefused}, {ErrInvalidContent, KindRefused},
	} {
		assert.Equal(t, c.kind, c.e.Kind, c.e.Code)
	}
}

func TestRoles(t *testing.T) {
	for _, r := range Roles {
		assert.True(t, r.Valid())
	}
	assert.False(t, Role("root").Valid())
}
