package web

import (
	"fmt"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// The overview's chart is drawn on the server as SVG: one stacked bar per SHA, a segment per status.
// Geometry is in viewBox units; the SVG scales to the page width.
const (
	chartWidth  = 720
	labelWidth  = 64
	totalWidth  = 44
	barHeight   = 22
	barGap      = 10
	chartMargin = 4
)

type chart struct {
	Width, Height int
	Rows          []chartRow
	Description   string
}

type chartRow struct {
	SHACode, Name string
	Total         int
	Y, TextY      int
	TotalX        int
	Segments      []segment
}

type segment struct {
	Status       domain.Status
	Count        int
	X, Width     float64
	SHACode, SHA string
}

func newChart(rep projections.Report) chart {
	most := 1
	for _, r := range rep.BySHA {
		most = max(most, r.Plans)
	}
	barSpace := float64(chartWidth - labelWidth - totalWidth)
	ch := chart{Width: chartWidth, Height: chartMargin*2 + len(rep.BySHA)*(barHeight+barGap)}
	for i, r := range rep.BySHA {
		y := chartMargin + i*(barHeight+barGap)
		row := chartRow{SHACode: r.SHACode, Name: r.Name, Total: r.Plans, Y: y, TextY: y + barHeight/2}
		x := float64(labelWidth)
		for _, s := range domain.Statuses {
			n := r.Counts.ByStatus(s)
			if n == 0 {
				continue
			}
			w := barSpace * float64(n) / float64(most)
			row.Segments = append(row.Segments, segment{Status: s, Count: n, X: x, Width: w, SHACode: r.SHACode, SHA: r.Name})
			x += w
		}
		row.TotalX = int(x) + 6
		ch.Rows = append(ch.Rows, row)
	}
	ch.Description = fmt.Sprintf("%d plans across %d SHAs; the table below gives every number.", rep.Totals.Plans, len(rep.BySHA))
	return ch
}
