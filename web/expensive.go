package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// expensive admits an expensive read (a page rebuilt as of a past time) for the signed-in person,
// or answers a readable 429 with Retry-After, as the API answers its own.
func (d *dashboard) expensive(c echo.Context) (release func(), refused error) {
	if d.Expensive == nil {
		return func() {}, nil
	}
	release, ok := d.Expensive(actorOf(c).PersonID)
	if ok {
		return release, nil
	}
	c.Response().Header().Set("Retry-After", "1")
	return nil, d.errorPage(c, http.StatusTooManyRequests, "Too many pages as of a past time at once",
		"Pages as of a past time rebuild the ledger as it stood then, and you have as many of them loading as the ledger allows at once. Try again when one has finished.")
}
