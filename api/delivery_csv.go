package api

import (
	"encoding/csv"
	"strconv"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// The delivery and funding reports as CSV. Columns are only ever added at the end, before the
// cut's tree_size, which stays last as in every report's CSV, so a spreadsheet that reads columns
// by place keeps working.

// writeDeliveryCSV writes one row per SHA and delivery item.
func writeDeliveryCSV(w *csv.Writer, rep projections.DeliveryReport) error {
	_ = w.Write([]string{"round", "as_of", "as_of_position", "on", "sha_code", "name", "plans", "item", "live", "in_progress", "overdue",
		"share_live", "past_at_submission", "tree_size"})
	for _, r := range rep.BySHA {
		for _, it := range r.Items {
			writeCSV(w, rep.Round, timeCell(rep.AsOf), u64toa(rep.AsOfPosition), rep.On.String(), r.SHACode, r.Name,
				itoa(r.Plans), it.Item, itoa(it.Live), itoa(it.InProgress), itoa(it.Overdue), ftoa(it.ShareLive), itoa(it.PastAtSubmission),
				u64toa(rep.TreeSize))
		}
	}
	w.Flush()
	return w.Error()
}

// writeFundingCSV writes, per SHA, a row of its totals (financial_year empty), then one row per
// financial year. The totals row carries what belongs to no one year: capital and revenue over
// every plan (the years count only the profiled plans'), the informatics staff and the strategic
// solutions by source; a year's row leaves those cells empty rather than repeat them, so that a
// column summed over the rows of one kind is a true total. An SHA whose plans give no money by
// year still has its totals row.
func writeFundingCSV(w *csv.Writer, rep projections.FundingReport) error {
	header := []string{"round", "as_of", "as_of_position", "sha_code", "name", "plans", "financial_year", "capital", "revenue",
		"cash_releasing", "non_cash", "profiled_plans"}
	for _, src := range domain.FundingSources {
		header = append(header, "capital_"+src, "revenue_"+src)
	}
	header = append(header, "staffed_plans", "informatics_wte_current", "informatics_wte_required")
	for _, src := range domain.SolutionSources {
		header = append(header, "strategic_"+src)
	}
	for _, src := range domain.SolutionSources {
		header = append(header, "strategic_share_"+src)
	}
	_ = w.Write(append(header, "tree_size"))
	for _, r := range rep.BySHA {
		lead := []string{rep.Round, timeCell(rep.AsOf), u64toa(rep.AsOfPosition), r.SHACode, r.Name, itoa(r.Plans)}
		var total projections.FundingYear
		total.BySource = map[string]projections.Money{}
		for _, y := range r.ByYear {
			total.CashReleasing += y.CashReleasing
			total.NonCash += y.NonCash
			for src, m := range y.BySource {
				t := total.BySource[src]
				t.Capital += m.Capital
				t.Revenue += m.Revenue
				total.BySource[src] = t
			}
		}
		row := append(append([]string{}, lead...), "", i64toa(r.Capital), i64toa(r.Revenue), i64toa(total.CashReleasing),
			i64toa(total.NonCash), itoa(r.ProfiledPlans))
		row = append(row, bySourceCells(total.BySource)...)
		row = append(row, itoa(r.StaffedPlans), ftoa(r.WTECurrent), ftoa(r.WTERequired))
		for _, src := range domain.SolutionSources {
			row = append(row, itoa(r.StrategicSources[src]))
		}
		for _, src := range domain.SolutionSources {
			row = append(row, ftoa(r.StrategicShare[src]))
		}
		writeCSV(w, append(row, u64toa(rep.TreeSize))...)
		for _, y := range r.ByYear {
			row := append(append([]string{}, lead...), itoa(y.FinancialYear), i64toa(y.Capital), i64toa(y.Revenue),
				i64toa(y.CashReleasing), i64toa(y.NonCash), itoa(r.ProfiledPlans))
			row = append(row, bySourceCells(y.BySource)...)
			row = append(row, make([]string, 3+2*len(domain.SolutionSources))...)
			writeCSV(w, append(row, u64toa(rep.TreeSize))...)
		}
	}
	w.Flush()
	return w.Error()
}

// bySourceCells are capital and revenue for each funding source, in the order of
// domain.FundingSources.
func bySourceCells(by map[string]projections.Money) []string {
	out := make([]string, 0, 2*len(domain.FundingSources))
	for _, src := range domain.FundingSources {
		m := by[src]
		out = append(out, i64toa(m.Capital), i64toa(m.Revenue))
	}
	return out
}

func i64toa(n int64) string { return strconv.FormatInt(n, 10) }

func u64toa(n uint64) string { return strconv.FormatUint(n, 10) }
