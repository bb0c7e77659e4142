package domain

// readEventData reads the data of a plan event in the shape EncodeEvent writes, interning
// recurring values in t; ok is false for any other input and for the registry's events (a few
// thousand in a log of millions), which are then left to the general decoder. Decoding plan events
// by reflection was most of a replay's work; wherever this accepts, it gives what encoding/json
// gives (FuzzDecodeEventMatchesEncodingJSON).
func readEventData(t *internTable, eventType string, data []byte) (d EventData, ok bool) {
	r := t.readerFor(data, false)
	defer r.done()
	switch eventType {
	case TypePlanSubmitted:
		var e PlanSubmitted
		ok = r.submission(&e) && r.content(&e.Content) && r.end()
		d = e
	case TypePlanRevised:
		var e PlanRevised
		ok = r.lit(`{"version":`) && r.int(&e.Version) &&
			r.lit(`,"content":`) && r.content(&e.Content) &&
			r.lit(`,"reason":`) && r.str(&e.Reason) && r.end()
		d = e
	case TypeContributionRecorded:
		var e ContributionRecorded
		ok = r.lit(`{"version":`) && r.int(&e.Version) &&
			r.lit(`,"contributor_ods":`) && r.sym(&e.ContributorODS) &&
			r.lit(`,"section":`) && r.sym(&e.Section) &&
			r.lit(`,"summary":`) && r.str(&e.Summary) &&
			(!r.lit(`,"document_sha256":`) || r.str(&e.DocumentSHA256)) && r.end()
		d = e
	case TypeSROSignedOff:
		var e SROSignedOff
		ok = r.lit(`{"version":`) && r.int(&e.Version) &&
			r.lit(`,"ods_code":`) && r.sym(&e.ODSCode) &&
			r.lit(`,"person_id":`) && r.sym(&e.PersonID) &&
			r.lit(`,"statement":`) && r.str(&e.Statement) &&
			r.lit(`,"content_hash":`) && r.sym(&e.ContentHash) && r.end()
		d = e
	case TypeAssuranceRecorded:
		var e AssuranceRecorded
		ok = r.lit(`{"version":`) && r.int(&e.Version) &&
			r.lit(`,"sha_code":`) && r.sym(&e.SHACode) &&
			r.lit(`,"outcome":`) && r.sym((*string)(&e.Outcome)) &&
			r.lit(`,"criteria":`) && list(r, &e.Criteria, (*shapeReader).criterion) &&
			r.lit(`,"conditions":`) && list(r, &e.Conditions, (*shapeReader).str) &&
			r.lit(`,"reflected_in_pfit_plan":`) && r.bool(&e.ReflectedInPfITPlan) &&
			r.lit(`,"pfit":`) && r.sym(&e.PfIT) && r.end()
		d = e
	case TypeCfHAcknowledged:
		var e CfHAcknowledged
		ok = r.lit(`{"version":`) && r.int(&e.Version) &&
			r.lit(`,"assurance_event_id":`) && r.str(&e.AssuranceEventID) &&
			r.lit(`,"note":`) && r.str(&e.Note) && r.end()
		d = e
	case TypePlanWithdrawn:
		var e PlanWithdrawn
		ok = r.lit(`{"reason":`) && r.str(&e.Reason) && r.end()
		d = e
	}
	if !ok {
		return nil, false
	}
	return d, true
}

// submission reads a PlanSubmitted up to its content.
func (r *shapeReader) submission(e *PlanSubmitted) bool {
	return r.lit(`{"plan_id":`) && r.str(&e.PlanID) &&
		r.lit(`,"lhc_id":`) && r.sym(&e.LHCID) &&
		r.lit(`,"round":`) && r.sym(&e.Round) &&
		r.lit(`,"version":`) && r.int(&e.Version) &&
		r.lit(`,"period":{"first_year":`) && r.int(&e.Period.FirstYear) &&
		r.lit(`,"last_year":`) && r.int(&e.Period.LastYear) &&
		r.lit(`},"content":`)
}

func (r *shapeReader) criterion(c *Criterion) bool {
	return r.lit(`{"id":`) && r.sym(&c.ID) &&
		r.lit(`,"met":`) && r.bool(&c.Met) &&
		r.lit(`,"note":`) && r.str(&c.Note) && r.lit("}")
}

func (r *shapeReader) content(c *Content) bool {
	a, f := &c.NHSNumberAdoption, &c.CapacityAndFunding
	return r.lit(`{"clinical5":`) && list(r, &c.Clinical5, (*shapeReader).capability) &&
		r.lit(`,"community_integration":`) && r.str(&c.CommunityIntegration) &&
		r.lit(`,"national_programmes":`) && list(r, &c.NationalProgrammes, (*shapeReader).programme) &&
		r.lit(`,"infrastructure":`) && r.str(&c.Infrastructure) &&
		r.lit(`,"information_governance":`) && r.str(&c.InformationGovernance) &&
		r.lit(`,"data_quality":`) && r.str(&c.DataQuality) &&
		r.lit(`,"nhs_number_adoption":{"current_pct":`) && r.float(&a.CurrentPct) &&
		r.lit(`,"target_pct":`) && r.float(&a.TargetPct) &&
		r.lit(`,"target_date":`) && r.date(&a.TargetDate) &&
		r.lit(`},"capacity_and_funding":{"capital":`) && r.int64(&f.Capital) &&
		r.lit(`,"revenue":`) && r.int64(&f.Revenue) &&
		r.lit(`,"currency":`) && r.sym(&f.Currency) && r.lit("}}")
}

func (r *shapeReader) capability(c *Capability) bool {
	return r.lit(`{"capability":`) && r.sym(&c.Capability) &&
		r.lit(`,"interim_solution":`) && r.str(&c.InterimSolution) &&
		r.lit(`,"strategic_solution":`) && r.str(&c.StrategicSolution) &&
		r.lit(`,"interim_date":`) && r.date(&c.InterimDate) &&
		r.lit(`,"strategic_date":`) && r.date(&c.StrategicDate) && r.lit("}")
}

func (r *shapeReader) programme(p *NationalProgramme) bool {
	return r.lit(`{"programme":`) && r.sym(&p.Programme) &&
		r.lit(`,"planned_date":`) && r.date(&p.PlannedDate) &&
		r.lit(`,"status":`) && r.sym(&p.Status) && r.lit("}")
}
