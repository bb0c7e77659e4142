package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"assurance-ledger/auth"
	"assurance-ledger/domain"
)

const actorKey = "actor"

var (
	adminRole    = domain.RoleAdmin
	pctRole      = domain.RolePCTCommissioner
	providerRole = domain.RoleProvider
	ceRole       = domain.RoleChiefExecutive
	shaRole      = domain.RoleSHAAssurer
	cfhRole      = domain.RoleCfH
)

// authenticate requires a valid bearer token and puts its actor on the context. Failures are
// rate-limited by client address: a 429 then takes the place of the 401.
func (s *server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		actor, err := s.bearer(c)
		if err != nil {
			if limited := s.limitAnonymous(c); limited != nil {
				return limited
			}
			return err
		}
		c.Set(actorKey, actor)
		return next(c)
	}
}

func (s *server) bearer(c echo.Context) (domain.Actor, error) {
	if conflict := auth.ConflictingCredentials(c.Request()); conflict != "" {
		return domain.Actor{}, newProblem(http.StatusBadRequest, "conflicting_credentials", conflict, field("Authorization", "conflicts with another credential"))
	}
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" {
		return domain.Actor{}, newProblem(http.StatusUnauthorized, "missing_token", "an Authorization: Bearer <token> header is required", field("Authorization", "required"))
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return domain.Actor{}, newProblem(http.StatusUnauthorized, "invalid_token", "the Authorization header must be \"Bearer <token>\"", field("Authorization", "must use the Bearer scheme"))
	}
	return s.Tokens.Verify(strings.TrimSpace(token))
}

func actorOf(c echo.Context) domain.Actor {
	a, _ := c.Get(actorKey).(domain.Actor)
	return a
}

// rule is one way an actor may be let through to a route.
type rule struct {
	describe string
	ok       func(c echo.Context, a domain.Actor) bool
}

func roleIs(roles ...domain.Role) rule {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return rule{
		describe: "role " + strings.Join(names, " or "),
		ok: func(_ echo.Context, a domain.Actor) bool {
			for _, r := range roles {
				if a.Role == r {
					return true
				}
			}
			return false
		},
	}
}

// allow admits an actor that satisfies any of rules; others get 403 before the body is read.
func allow(rules ...rule) echo.MiddlewareFunc {
	descr := make([]string, len(rules))
	for i, r := range rules {
		descr[i] = r.describe
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a := actorOf(c)
			for _, r := range rules {
				if r.ok(c, a) {
					return next(c)
				}
			}
			return newProblem(http.StatusForbidden, "role_not_allowed",
				fmt.Sprintf("%s %s needs %s; the token is role %s for organisation %s", c.Request().Method, c.Path(), strings.Join(descr, ", or "), a.Role, a.Org),
				field("role", "not allowed for this route"))
		}
	}
}
