package domain

// Limits on one plan. A plan's whole stream is read to answer its audit trail (a page at a time),
// to refold it as of a past time and to build an evidence bundle, so nothing may grow it without
// bound. Each limit is far above what a plan of the 2009-10 round needed: a plan's content is a
// few KiB of text (the demo's 2), an LHC has a handful of member providers each contributing to a
// few of the eight sections, and a plan was revised a few times in its year. What they bound:
//
//   - content text, 256 KiB per version: 100 times a real plan's, a quarter of the 1 MiB a request
//     body may hold;
//   - a contribution's summary, 4,000 characters (a page of prose: the document itself is
//     referenced by document_sha256, not carried);
//   - contributions, 50 per organisation per version (eight sections, several times each);
//   - delivery reports, 12 per organisation per delivery item (planned, under way, live and a few
//     corrections over a three-year period), so that one member cannot fill the stream the lead
//     PCT and the other members report into;
//   - versions, 50 per plan (49 revisions);
//   - events, 2,000 per plan stream: contributions, revisions and evidence for conditions are
//     refused once the stream holds that many; sign-offs, declines and excusals, the assurance, its
//     acknowledgement or note, a condition's discharge or lapse and a withdrawal, which the rules
//     already allow at most once per organisation, version or condition, are never refused for it,
//     so a member that filled the stream cannot stop a plan being signed, assured or withdrawn;
//   - conditions, 50 per assurance, and evidence, 20 submissions per condition;
//   - an SHA's returns, 50 per round (each resubmission supersedes the one before).
//
// Together they bound a plan's stream to about 2,000 events and 45 MB of text at worst (50 versions
// of 256 KiB, 2,000 summaries of 4,000 characters of up to four bytes), plus one sign-off per
// organisation and an assurance and acknowledgement per version.
const (
	MaxContentBytes               = 256 << 10
	MaxContributionSummary        = 4_000
	MaxContributionsPerOrgVersion = 50
	MaxReportsPerOrgItem          = 12
	MaxVersions                   = 50
	MaxPlanEvents                 = 2_000
	MaxConditions                 = 50
	MaxEvidencePerCondition       = 20
	MaxReturnsPerRound            = 50
)

// TextBytes is the size of the text c holds: the UTF-8 bytes of every string in it.
func (c Content) TextBytes() int {
	n := len(c.CommunityIntegration) + len(c.Infrastructure) + len(c.InformationGovernance) + len(c.DataQuality) +
		len(c.CapacityAndFunding.Currency)
	for _, x := range c.Clinical5 {
		n += len(x.Capability) + len(x.InterimSolution) + len(x.StrategicSolution) + len(x.Status) +
			len(x.InterimSource) + len(x.InterimProduct) + len(x.StrategicSource) + len(x.StrategicProduct)
	}
	for _, x := range c.NationalProgrammes {
		n += len(x.Programme) + len(x.Status)
	}
	for _, x := range c.PerOrganisation {
		n += len(x.ODSCode)
	}
	for _, x := range c.CapacityAndFunding.ByYear {
		n += len(x.Source)
	}
	return n
}

// Events is how many events the plan's stream holds: every event folds into what the plan keeps.
func (p *Plan) Events() int {
	if !p.exists {
		return 0
	}
	n := 0
	for i := range p.versions {
		v := &p.versions[i]
		n += 1 + len(v.Contributions) + len(v.SignOffs) + len(v.Declines) + len(v.Excusals) + len(v.Approvals)
		if v.Assurance != nil {
			n++
			for _, c := range v.Assurance.Conditions {
				n += len(c.Evidence)
				if c.State != ConditionStateOpen {
					n++
				}
			}
		}
		if v.Acknowledgement != nil {
			n++
		}
		if v.CfHNote != nil {
			n++
		}
	}
	if p.withdrawal != nil {
		n++
	}
	return n + len(p.reports)
}

// checkStreamRoom refuses a contribution or revision once the plan's stream is full.
func (p *Plan) checkStreamRoom(what string) error {
	if n := p.Events(); n >= MaxPlanEvents {
		return ErrPlanStreamFull.with("plan %s holds %d events, the most a plan may (%d); no further %s can be recorded, but sign-offs, assurance, acknowledgement and withdrawal still can",
			p.id, n, MaxPlanEvents, what)
	}
	return nil
}
