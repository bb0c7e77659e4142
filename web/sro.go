package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"assurance-ledger/projections"
)

type sroPage struct {
	base
	Evidence projections.SROEvidence
}

func (d *dashboard) sro(c echo.Context) error {
	ods := c.Param("ods")
	p, err := readParams(c, d.Projections)
	if err != nil {
		return d.errorPage(c, http.StatusBadRequest, "Cannot read “as of”", err.Error())
	}
	var (
		ev    projections.SROEvidence
		found bool
	)
	if p.AsOf {
		release, refused := d.expensive(c)
		if release == nil {
			return refused
		}
		defer release()
		ev, found, err = d.Projections.SROEvidenceAsOf(c.Request().Context(), ods, p.Position)
		if err != nil {
			return err
		}
	} else {
		ev, found = d.Projections.SROEvidence(ods)
	}
	if !found {
		return d.errorPage(c, http.StatusNotFound, "No such organisation", "No organisation "+ods+" was registered"+asOfWords(p)+".")
	}
	return d.render(c, http.StatusOK, "sro", sroPage{base: d.base(c, "SRO evidence: "+ev.Name, p), Evidence: ev})
}

// bundle hands the download on to the API's evidence bundle route with the reader's own token, so
// the API alone decides what the bundle holds and who may have it.
func (d *dashboard) bundle(c echo.Context) error {
	ods := c.Param("ods")
	ck, err := c.Cookie(sessionCookie)
	if err != nil {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	r := c.Request().Clone(c.Request().Context())
	r.URL = &url.URL{Path: "/v1/organisations/" + url.PathEscape(ods) + "/sro-evidence", RawQuery: "format=bundle"}
	r.RequestURI = r.URL.RequestURI()
	r.Header.Del("Cookie")
	r.Header.Set(echo.HeaderAuthorization, "Bearer "+ck.Value)
	d.api.ServeHTTP(c.Response(), r)
	return nil
}
