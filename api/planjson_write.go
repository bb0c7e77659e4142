package api

import (
	"strconv"
	"sync"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/projections"
)

// appendPlanJSON appends what writeAnswer(w, planAnswer(st)) writes, newline included,
// written field by field into b. Encoding by reflection was most of the CPU and a third of the
// memory a GET /v1/plans/{id} cost, and every byte it allocated brings the next collection nearer,
// during which requests wait. ok is false where encoding/json would fail (a time outside years
// 0-9999 or not in UTC, a float that is not finite, a date outside years 0-9999): the caller then
// takes writeAnswer's path, which says why. TestAppendPlanJSONIsEncode and
// FuzzAppendPlanJSONIsEncode hold the bytes equal.
func appendPlanJSON(b []byte, st projections.PlanState) ([]byte, bool) {
	w := jsonWriter{b: b, ok: true}
	w.raw(`{"plan_id":`)
	w.str(st.PlanID)
	w.raw(`,"lhc_id":`)
	w.str(st.LHCID)
	w.raw(`,"sha_code":`)
	w.str(st.SHACode)
	w.raw(`,"round":`)
	w.str(st.Round)
	w.raw(`,"status":`)
	w.str(string(st.Status))
	w.raw(`,"version":`)
	w.int(int64(st.Version))
	w.raw(`,"period":{"first_year":`)
	w.int(int64(st.Period.FirstYear))
	w.raw(`,"last_year":`)
	w.int(int64(st.Period.LastYear))
	w.raw(`},"content_hash":`)
	w.str(st.ContentHash)
	w.raw(`,"content":`)
	w.content(st.Content)
	w.raw(`,"signoffs":`)
	w.signOffs(st.SignOffs)
	w.raw(`,"contributors":`)
	w.strs(st.Contributors)
	w.raw(`,"outstanding_signoffs":`)
	w.strs(st.Outstanding)
	w.raw(`,"assurance":`)
	w.assurance(st.Assurance)
	w.raw(`,"acknowledged":`)
	w.bool(st.Acknowledged)
	w.raw(`,"withdrawn":`)
	w.bool(st.Withdrawn)
	w.raw(`,"submitted_at":`)
	w.time(st.SubmittedAt)
	w.raw(`,"revision":`)
	w.uint(st.Revision)
	w.raw(`,"position":`)
	w.uint(st.Position)
	w.raw(`,"as_of":`)
	w.time(st.AsOf)
	w.raw(`,"as_of_position":`)
	w.uint(st.AsOfPosition)
	w.raw(`,"tree_size":`)
	w.uint(st.TreeSize)
	w.raw(`,"versions":`)
	{
		w.raw("[")
		for i, v := range st.VersionsHistory {
			if i > 0 {
				w.raw(",")
			}
			w.version(v)
		}
		w.raw("]")
	}
	w.raw(`,"submitted_on_time":`)
	if !w.null(st.SubmittedOnTime == nil) {
		w.bool(*st.SubmittedOnTime)
	}
	w.raw(`,"milestones":`)
	{
		w.raw("[")
		for i, m := range st.Milestones {
			if i > 0 {
				w.raw(",")
			}
			w.milestone(m)
		}
		w.raw("]")
	}
	w.raw(`,"conditions":`)
	{
		w.raw("[")
		for i, c := range st.Conditions {
			if i > 0 {
				w.raw(",")
			}
			w.condition(c)
		}
		w.raw("]")
	}
	w.raw(`,"superseded_conditions":`)
	{
		w.raw("[")
		for i, c := range st.SupersededConditions {
			if i > 0 {
				w.raw(",")
			}
			w.condition(c)
		}
		w.raw("]")
	}
	w.raw(`,"members":`)
	{
		w.raw("[")
		for i, m := range st.Members {
			if i > 0 {
				w.raw(",")
			}
			w.raw(`{"ods_code":`)
			w.str(m.ODSCode)
			w.raw(`,"state":`)
			w.str(string(m.State))
			if m.Reason != "" {
				w.raw(`,"reason":`)
				w.str(m.Reason)
			}
			w.raw("}")
		}
		w.raw("]")
	}
	w.raw(`,"members_unaccounted":`)
	w.strs(st.MembersUnaccounted)
	w.raw(`,"cfh_note":`)
	w.note(st.CfHNote)
	w.raw(`,"lateness_on":`)
	w.date(st.LatenessOn)
	w.raw(`,"delivery":`)
	{
		w.raw("[")
		for i, it := range st.Delivery {
			if i > 0 {
				w.raw(",")
			}
			w.item(it)
		}
		w.raw("]")
	}
	w.raw(`,"board_approvals":`)
	w.approvals(st.BoardApprovals)
	w.raw("}\n")
	return w.b, w.ok
}

func (w *jsonWriter) item(it projections.ItemView) {
	w.raw(`{"item":`)
	w.str(it.Item)
	w.raw(`,"planned_date":`)
	w.date(it.PlannedDate)
	w.raw(`,"declared_status":`)
	w.str(it.DeclaredStatus)
	w.raw(`,"status":`)
	w.str(it.Status)
	w.raw(`,"actual_date":`)
	if !w.null(it.ActualDate == nil) {
		w.date(*it.ActualDate)
	}
	w.raw(`,"slippage_days":`)
	if !w.null(it.SlippageDays == nil) {
		w.int(int64(*it.SlippageDays))
	}
	w.raw(`,"overdue":`)
	w.bool(it.Overdue)
	w.raw(`,"past_at_submission":`)
	w.bool(it.PastAtSubmission)
	if it.Source != "" {
		w.raw(`,"source":`)
		w.str(it.Source)
	}
	w.raw(`,"reports":`)
	w.int(int64(it.Reports))
	w.raw("}")
}

func (w *jsonWriter) approvals(as []domain.BoardApproval) {
	w.raw("[")
	for i, a := range as {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"version":`)
		w.int(int64(a.Version))
		w.raw(`,"ods_code":`)
		w.str(a.ODSCode)
		w.raw(`,"body_id":`)
		w.str(a.BodyID)
		w.raw(`,"meeting_date":`)
		w.date(a.MeetingDate)
		w.raw(`,"minute_ref":`)
		w.str(a.MinuteRef)
		w.raw(`,"document_sha256":`)
		w.str(a.DocumentSHA256)
		w.raw(`,"content_hash":`)
		w.str(a.ContentHash)
		w.raw(`,"recorded_at":`)
		w.time(a.RecordedAt)
		w.raw(`,"event_id":`)
		w.str(a.EventID)
		w.raw("}")
	}
	w.raw("]")
}

func (w *jsonWriter) optTime(t *time.Time) {
	if !w.null(t == nil) {
		w.time(*t)
	}
}

func (w *jsonWriter) milestone(m projections.MilestoneView) {
	w.raw(`{"milestone":`)
	w.str(m.Milestone)
	w.raw(`,"due":`)
	w.date(m.Due)
	w.raw(`,"published_due":`)
	w.date(m.PublishedDue)
	w.raw(`,"changes":`)
	{
		w.raw("[")
		for i, c := range m.Changes {
			if i > 0 {
				w.raw(",")
			}
			w.raw(`{"from":`)
			w.date(c.From)
			w.raw(`,"to":`)
			w.date(c.To)
			w.raw(`,"reason":`)
			w.str(c.Reason)
			w.raw(`,"recorded_at":`)
			w.time(c.RecordedAt)
			w.raw(`,"event_id":`)
			w.str(c.EventID)
			w.raw("}")
		}
		w.raw("]")
	}
	w.raw(`,"done_at":`)
	w.optTime(m.DoneAt)
	w.raw(`,"status":`)
	w.str(m.Status)
	w.raw(`,"days_late":`)
	w.int(int64(m.DaysLate))
	w.raw("}")
}

func (w *jsonWriter) condition(c projections.ConditionView) {
	w.raw(`{"id":`)
	w.str(c.ID)
	w.raw(`,"text":`)
	w.str(c.Text)
	w.raw(`,"criterion":`)
	w.str(c.Criterion)
	w.raw(`,"due":`)
	w.date(c.Due)
	w.raw(`,"version":`)
	w.int(int64(c.Version))
	w.raw(`,"state":`)
	w.str(string(c.State))
	w.raw(`,"overdue":`)
	w.bool(c.Overdue)
	w.raw(`,"days_overdue":`)
	w.int(int64(c.DaysLate))
	w.raw(`,"evidence":`)
	{
		w.raw("[")
		for i, e := range c.Evidence {
			if i > 0 {
				w.raw(",")
			}
			w.raw(`{"summary":`)
			w.str(e.Summary)
			if e.DocumentSHA256 != "" {
				w.raw(`,"document_sha256":`)
				w.str(e.DocumentSHA256)
			}
			w.raw(`,"recorded_at":`)
			w.time(e.RecordedAt)
			w.raw(`,"event_id":`)
			w.str(e.EventID)
			w.raw("}")
		}
		w.raw("]")
	}
	w.raw(`,"note":`)
	w.str(c.Note)
	w.raw(`,"closed_at":`)
	w.optTime(c.ClosedAt)
	if c.ClosedBy != "" {
		w.raw(`,"closed_event_id":`)
		w.str(c.ClosedBy)
	}
	w.raw("}")
}

func (w *jsonWriter) note(n *projections.NoteView) {
	if w.null(n == nil) {
		return
	}
	w.raw(`{"version":`)
	w.int(int64(n.Version))
	w.raw(`,"note":`)
	w.str(n.Note)
	w.raw(`,"recorded_at":`)
	w.time(n.RecordedAt)
	w.raw(`,"event_id":`)
	w.str(n.EventID)
	w.raw("}")
}

// planBuffers holds the buffers GET /v1/plans/{id} answers are written into; a plan's answer is a
// few KB.
var planBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// maxPooledPlanBuffer is the largest buffer put back in planBuffers.
const maxPooledPlanBuffer = 256 << 10

// jsonWriter appends JSON as writeAnswer writes it; ok turns false at the first value it cannot
// write as writeAnswer would.
type jsonWriter struct {
	b  []byte
	ok bool
}

func (w *jsonWriter) raw(s string)  { w.b = append(w.b, s...) }
func (w *jsonWriter) int(v int64)   { w.b = strconv.AppendInt(w.b, v, 10) }
func (w *jsonWriter) uint(v uint64) { w.b = strconv.AppendUint(w.b, v, 10) }
func (w *jsonWriter) bool(v bool)   { w.b = strconv.AppendBool(w.b, v) }
func (w *jsonWriter) str(s string)  { w.b = eventcodec.AppendJSONString(w.b, s) }
func (w *jsonWriter) null(isNil bool) bool {
	if isNil {
		w.raw("null")
	}
	return isNil
}

func (w *jsonWriter) strs(ss []string) {
	w.raw("[")
	for i, s := range ss {
		if i > 0 {
			w.raw(",")
		}
		w.str(s)
	}
	w.raw("]")
}

// time is a time as every answer writes it (TimestampLayout); a year outside 0-9999 is left to
// writeAnswer, which refuses it.
func (w *jsonWriter) time(t time.Time) {
	w.raw(`"`)
	var ok bool
	if w.b, ok = AppendTimestamp(w.b, t); !ok {
		w.ok = false
	}
	w.raw(`"`)
}

// date is domain.Date's MarshalJSON: null, or "YYYY-MM-DD" with the year in four digits.
func (w *jsonWriter) date(d domain.Date) {
	var ok bool
	if w.b, ok = eventcodec.AppendJSONDate(w.b, d); !ok {
		w.ok = false
	}
}

// float is encoding/json's float64.
func (w *jsonWriter) float(f float64) {
	var ok bool
	if w.b, ok = eventcodec.AppendJSONFloat(w.b, f); !ok {
		w.ok = false
	}
}

// content is the plan's content as toPlanJSON gives it: absent lists as [].
func (w *jsonWriter) content(c domain.Content) {
	var ok bool
	if w.b, ok = eventcodec.AppendContentJSON(w.b, &c); !ok {
		w.ok = false
	}
}

func (w *jsonWriter) signOffs(ss []projections.SignOffView) {
	w.raw("[")
	for i, s := range ss {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"ods_code":`)
		w.str(s.ODSCode)
		w.raw(`,"person_id":`)
		w.str(s.PersonID)
		w.raw(`,"version":`)
		w.int(int64(s.Version))
		w.raw(`,"content_hash":`)
		w.str(s.ContentHash)
		w.raw(`,"recorded_at":`)
		w.time(s.RecordedAt)
		w.raw(`,"event_id":`)
		w.str(s.EventID)
		w.raw("}")
	}
	w.raw("]")
}

func (w *jsonWriter) assurance(a *projections.AssuranceView) {
	if w.null(a == nil) {
		return
	}
	w.raw(`{"outcome":`)
	w.str(string(a.Outcome))
	w.raw(`,"version":`)
	w.int(int64(a.Version))
	w.raw(`,"sha_code":`)
	w.str(a.SHACode)
	w.raw(`,"criteria":`)
	{
		w.raw("[")
		for i, c := range a.Criteria {
			if i > 0 {
				w.raw(",")
			}
			w.raw(`{"id":`)
			w.str(c.ID)
			w.raw(`,"rating":`)
			w.str(string(c.Rating))
			w.raw(`,"met":`)
			w.bool(c.Met)
			w.raw(`,"note":`)
			w.str(c.Note)
			w.raw("}")
		}
		w.raw("]")
	}
	w.raw(`,"conditions":`)
	w.strs(a.Conditions)
	w.raw(`,"reflected_in_pfit_plan":`)
	w.bool(a.ReflectedInPfITPlan)
	w.raw(`,"pfit":`)
	w.str(a.PfIT)
	w.raw(`,"recorded_at":`)
	w.time(a.RecordedAt)
	w.raw(`,"event_id":`)
	w.str(a.EventID)
	w.raw("}")
}

func (w *jsonWriter) version(v projections.VersionView) {
	w.raw(`{"version":`)
	w.int(int64(v.Version))
	w.raw(`,"content_hash":`)
	w.str(v.ContentHash)
	w.raw(`,"submitted_at":`)
	w.time(v.SubmittedAt)
	if v.Reason != "" {
		w.raw(`,"reason":`)
		w.str(v.Reason)
	}
	w.raw(`,"contributors":`)
	w.strs(v.Contributors)
	w.raw(`,"signoffs":`)
	w.signOffs(v.SignOffs)
	w.raw(`,"assurance":`)
	w.assurance(v.Assurance)
	w.raw(`,"acknowledged":`)
	w.bool(v.Acknowledged)
	w.raw(`,"cfh_note":`)
	w.note(v.CfHNote)
	w.raw(`,"board_approvals":`)
	w.approvals(v.BoardApprovals)
	w.raw("}")
}
