//! One incident as a story: what each actor (the home region and its zones,
//! the link, the paired region, the DR lifecycle, the writes) did around a
//! failure, the events in between, and the replication lag over the same
//! window with the loss window shaded.
//!
//! The timeline of a whole replication answers "how often"; an incident
//! review asks "what happened, in what order, and what did it cost", which
//! needs the minutes around one failure spread over the full width.

use crate::incident::{Incident, IncidentClass};
use crate::model::TraceEvent;

use super::axis::fmt_duration;

/// Names of the actors that get a lane.
#[derive(Debug, Clone, PartialEq)]
pub struct Actors {
    /// The home region.
    pub region: String,
    /// Its availability zones.
    pub zones: Vec<String>,
    /// The paired region, when the scenario replicates across regions.
    pub paired: Option<String>,
}

/// What a span on a lane means; decides its colour and legend entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tone {
    /// Failed, or not taking writes.
    Down,
    /// Working at reduced capacity (a degraded link).
    Degraded,
    /// A DR operation under way (seeding, drain, failover, resync, switch).
    Busy,
    /// A protected standby.
    Standby,
    /// Serving writes.
    Serving,
}

/// A stretch of one state on a lane, seconds relative to the failure.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub(crate) start_s: f64,
    pub(crate) end_s: f64,
    pub(crate) tone: Tone,
    pub(crate) label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lane {
    pub(crate) name: String,
    pub(crate) spans: Vec<Span>,
}

/// The data lost if the standby takes over: from the last write the paired
/// region had to the moment the primary stopped taking writes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LossWindow {
    pub(crate) start_s: f64,
    pub(crate) end_s: f64,
    /// Its length and the writes lost, written on the chart.
    pub(crate) text: String,
}

/// Everything the incident chart draws, times in seconds relative to the
/// failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    pub(crate) title: String,
    pub(crate) lo_s: f64,
    pub(crate) hi_s: f64,
    pub(crate) lanes: Vec<Lane>,
    /// (time, label), in time order; labels of events at the same instant
    /// are already joined.
    pub(crate) events: Vec<(f64, String)>,
    /// (time, lag in seconds) as a step function; `None` where the lag is
    /// undefined (nothing replicating, or the primary down).
    pub(crate) lag: Vec<(f64, Option<f64>)>,
    pub(crate) loss: Option<LossWindow>,
}

/// The incident a story is drawn for by default: the region incident with
/// the largest RTO (the earliest among equals), or the worst zone incident
/// when there is no region incident.
pub fn pick_incident(incidents: &[Incident]) -> Option<u32> {
    [IncidentClass::Region, IncidentClass::Zone]
        .iter()
        .find_map(|class| {
            incidents
                .iter()
                .filter(|i| i.class == *class)
                .fold(None::<&Incident>, |worst, i| match worst {
                    Some(w) if w.rto_ns >= i.rto_ns => Some(w),
                    _ => Some(i),
                })
        })
        .map(|i| i.seq)
}

/// The stretch of time a story covers (ns): from the failure (or the last
/// sync before it, so the loss window shows) to when everything it set off
/// is over: its repair, the return of writes, the incidents that joined it,
/// and the switch back after a failover. Padded a little on both sides so
/// the first and last events are not on the frame.
pub(crate) fn story_window(incidents: &[Incident], inc: &Incident, horizon_ns: u64) -> (u64, u64) {
    let ends = |i: &Incident| {
        let end = i.end_ns.unwrap_or(horizon_ns);
        match i.interruption_start_ns {
            Some(_) => end.max(i.interruption_end_ns.unwrap_or(horizon_ns)),
            None => end,
        }
    };
    let lo = inc.start_ns.min(inc.last_sync_ns.unwrap_or(inc.start_ns));
    let mut hi = ends(inc);
    for other in incidents {
        let joined = other.overlaps == Some(inc.seq) || inc.overlaps == Some(other.seq);
        if joined {
            hi = hi.max(ends(other));
        }
    }
    let moved = inc.recovery == "dr-failover"
        || (inc.class == IncidentClass::Drill && inc.decision == Some("failover"));
    if moved {
        let back = incidents.iter().find(|o| {
            o.start_ns >= inc.start_ns
                && matches!(
                    o.class,
                    IncidentClass::Failback | IncidentClass::DrillReturn
                )
        });
        if let Some(back) = back {
            hi = hi.max(ends(back));
        }
    }
    let pad = ((hi - lo) / 16).max(30_000_000_000);
    (
        lo.saturating_sub(pad),
        hi.saturating_add(pad).min(horizon_ns),
    )
}

/// Runs of equal `key` over `[lo, hi]` (ns): the state at `lo` is the one
/// left by the last event at or before it, `initial` when there is none.
pub(crate) fn segments<T: PartialEq + Clone>(
    trace: &[TraceEvent],
    lo: u64,
    hi: u64,
    initial: T,
    key: impl Fn(&TraceEvent) -> T,
) -> Vec<(u64, u64, T)> {
    let mut current = trace
        .iter()
        .take_while(|e| e.t_ns <= lo)
        .last()
        .map_or(initial, &key);
    let mut start = lo;
    let mut out = Vec::new();
    for e in trace.iter().filter(|e| e.t_ns > lo && e.t_ns < hi) {
        let k = key(e);
        if k != current {
            out.push((start, e.t_ns, current));
            start = e.t_ns;
            current = k;
        }
    }
    out.push((start, hi, current));
    out
}

/// Seconds relative to the failure at `t0` (ns).
fn rel(t_ns: u64, t0: u64) -> f64 {
    (t_ns as f64 - t0 as f64) / 1e9
}

/// What an event is called on the chart; `None` for events that say nothing
/// about the incident (lag probes, replanned DR work).
fn event_label(e: &TraceEvent, incidents: &[Incident]) -> Option<String> {
    let inc = e.incident.and_then(|i| incidents.get(i));
    let scope = e.scope.as_str();
    Some(match e.kind {
        "lag-sample" | "dr-work-replanned" => return None,
        "scheduled-incident" | "zone-failure" | "region-outage" | "link-partition"
        | "link-degradation" => match inc {
            Some(i) => format!("{} {} fails", i.class, i.scope),
            None => format!("{} {scope}", e.kind),
        },
        "zone-repair" => format!("zone {scope} repaired"),
        "region-repair" => format!("region {scope} repaired"),
        "link-repair" => "link repaired".into(),
        "election-done" if scope.is_empty() => "election: no quorum".into(),
        "election-done" => format!("leader {scope} elected"),
        "zone-resynced" => format!("zone {scope} resynced"),
        "emergency-decision" => match inc {
            Some(i) => format!(
                "decision: {}{}",
                i.decision.unwrap_or("?"),
                i.shown_loss_ns
                    .map(|l| format!(" (loss shown {})", fmt_duration(l as f64 / 1e9)))
                    .unwrap_or_default()
            ),
            None => "decision".into(),
        },
        "failover-done" => "failover done".into(),
        "drill" => "drill starts".into(),
        "drill-drained" => "drill drained".into(),
        "drill-drain-timeout" => "drain timed out".into(),
        "drill-stay-over" => "drill stay over".into(),
        "failback-start" => "switch back starts".into(),
        "resync-back-done" => "resync back done".into(),
        "switch-back-done" => "switched back".into(),
        "seeding-done" => "protected".into(),
        "support-ticket-resolved" => "support ticket resolved".into(),
        other => other.to_string(),
    })
}

/// Events in `[lo, hi]` with their labels, plus "writes resume" for the
/// incident; labels at the same instant are joined so none hides another.
fn story_events(
    trace: &[TraceEvent],
    incidents: &[Incident],
    inc: &Incident,
    (lo, hi): (u64, u64),
) -> Vec<(f64, String)> {
    let mut events: Vec<(u64, String)> = trace
        .iter()
        .filter(|e| e.t_ns >= lo && e.t_ns <= hi)
        .filter_map(|e| Some((e.t_ns, event_label(e, incidents)?)))
        .collect();
    if let (Some(_), Some(end)) = (inc.interruption_start_ns, inc.interruption_end_ns) {
        let rto = fmt_duration(inc.rto_ns as f64 / 1e9);
        events.push((end, format!("writes resume (RTO {rto})")));
    }
    events.sort_by_key(|e| e.0);
    let mut joined: Vec<(u64, String)> = Vec::new();
    for (t, label) in events {
        match joined.last_mut() {
            Some((lt, l)) if *lt == t => {
                if !l.split(" + ").any(|part| part == label) {
                    l.push_str(" + ");
                    l.push_str(&label);
                }
            }
            _ => joined.push((t, label)),
        }
    }
    joined
        .into_iter()
        .map(|(t, l)| (rel(t, inc.start_ns), l))
        .collect()
}

/// DR phases grouped as the paired region sees them: what it is doing.
fn paired_state(phase: &str) -> Option<(Tone, &'static str)> {
    match phase {
        "seeding" | "catching-up" => Some((Tone::Busy, "seeding")),
        "protected" | "draining" => Some((Tone::Standby, "standby")),
        "failing-over" => Some((Tone::Busy, "taking over")),
        "failed-over" | "resyncing-back" => Some((Tone::Serving, "primary")),
        "switching-back" => Some((Tone::Busy, "handing back")),
        _ => None,
    }
}

fn phase_tone(phase: &str) -> Option<Tone> {
    match phase {
        "off" => None,
        "protected" => Some(Tone::Standby),
        "failed-over" => Some(Tone::Serving),
        _ => Some(Tone::Busy),
    }
}

/// The lanes of failures: the home region, each zone, the link. A region
/// outage takes all its zones down, so it shows on every zone lane too.
fn failure_lanes(
    trace: &[TraceEvent],
    incidents: &[Incident],
    actors: &Actors,
    (lo, hi): (u64, u64),
    t0: u64,
) -> Vec<Lane> {
    let mut region = Lane {
        name: format!("region {}", actors.region),
        spans: Vec::new(),
    };
    let mut zones: Vec<Lane> = actors
        .zones
        .iter()
        .map(|z| Lane {
            name: format!("zone {z}"),
            spans: Vec::new(),
        })
        .collect();
    let mut link = Lane {
        name: "cross-region link".into(),
        spans: Vec::new(),
    };
    for (idx, i) in incidents.iter().enumerate() {
        let end = i.end_ns.unwrap_or(hi);
        if end < lo || i.start_ns > hi {
            continue;
        }
        let span = |tone, label: &str| Span {
            start_s: rel(i.start_ns.max(lo), t0),
            end_s: rel(end.min(hi), t0),
            tone,
            label: label.to_string(),
        };
        match i.class {
            IncidentClass::Region => {
                region.spans.push(span(Tone::Down, "outage"));
                for z in &mut zones {
                    z.spans.push(span(Tone::Down, ""));
                }
            }
            IncidentClass::Zone => {
                for name in i.scope.split('+') {
                    if let Some(z) = actors.zones.iter().position(|z| z == name) {
                        zones[z].spans.push(span(Tone::Down, "down"));
                    }
                }
            }
            IncidentClass::Link => {
                let degraded = trace
                    .iter()
                    .any(|e| e.incident == Some(idx) && e.kind == "link-degradation");
                link.spans.push(if degraded {
                    span(Tone::Degraded, "degraded")
                } else {
                    span(Tone::Down, "link incident")
                });
            }
            _ => {}
        }
    }
    let mut lanes = vec![region];
    lanes.extend(zones);
    lanes.push(link);
    lanes
}

/// A lane's state: how it is coloured and what is written on it; `None`
/// draws nothing.
type State = (Tone, String);

/// The lanes of the response: the paired region, the DR phase, the writes.
fn response_lanes(
    trace: &[TraceEvent],
    actors: &Actors,
    (lo, hi): (u64, u64),
    t0: u64,
) -> Vec<Lane> {
    let spans = |runs: Vec<(u64, u64, Option<State>)>| -> Vec<Span> {
        runs.into_iter()
            .filter_map(|(s, e, v)| {
                let (tone, label) = v?;
                Some(Span {
                    start_s: rel(s, t0),
                    end_s: rel(e, t0),
                    tone,
                    label,
                })
            })
            .collect()
    };
    let mut lanes = Vec::new();
    if let Some(paired) = &actors.paired {
        let runs = segments(trace, lo, hi, None, |e| {
            paired_state(e.dr_phase).map(|(t, l)| (t, l.to_string()))
        });
        lanes.push(Lane {
            name: format!("paired region {paired}"),
            spans: spans(runs),
        });
        let runs = segments(trace, lo, hi, None, |e| {
            phase_tone(e.dr_phase).map(|t| (t, e.dr_phase.to_string()))
        });
        lanes.push(Lane {
            name: "DR phase".into(),
            spans: spans(runs),
        });
    }
    let runs = segments(trace, lo, hi, Some((Tone::Serving, String::new())), |e| {
        Some(match (e.serving, e.dr_phase) {
            (false, _) => (Tone::Down, "no writes".to_string()),
            (true, "failed-over" | "resyncing-back") => {
                (Tone::Serving, "served by the paired region".to_string())
            }
            (true, _) => (Tone::Serving, "served".to_string()),
        })
    });
    lanes.push(Lane {
        name: "writes".into(),
        spans: spans(runs),
    });
    lanes
}

/// The story of incident `seq` from a traced replication; `None` when the
/// replication has no such incident.
pub fn incident_story(
    trace: &[TraceEvent],
    incidents: &[Incident],
    seq: u32,
    actors: &Actors,
    horizon_ns: u64,
) -> Option<Story> {
    let inc = incidents.iter().find(|i| i.seq == seq)?;
    let (lo, hi) = story_window(incidents, inc, horizon_ns);
    let t0 = inc.start_ns;
    let mut lanes = failure_lanes(trace, incidents, actors, (lo, hi), t0);
    lanes.extend(response_lanes(trace, actors, (lo, hi), t0));
    let lag = segments(trace, lo, hi, None, |e| e.lag_ns)
        .into_iter()
        .map(|(s, _, l)| (rel(s, t0), l.map(|ns| ns as f64 / 1e9)))
        .collect();
    let loss = inc.last_sync_ns.and_then(|sync| {
        let stop = match inc.shown_loss_ns {
            Some(shown) => sync + shown,
            None => inc.interruption_start_ns?,
        };
        let length = fmt_duration((stop.saturating_sub(sync)) as f64 / 1e9);
        Some(LossWindow {
            start_s: rel(sync, t0),
            end_s: rel(stop, t0),
            text: format!(
                "loss window {length} · {} writes lost",
                super::style::group_thousands(inc.lost_writes)
            ),
        })
    });
    Some(Story {
        title: format!(
            "Replication {}, incident {}: {} {} — {}",
            inc.run,
            inc.seq,
            inc.class,
            inc.scope,
            inc.decision.unwrap_or(inc.recovery)
        ),
        lo_s: rel(lo, t0),
        hi_s: rel(hi, t0),
        lanes,
        events: story_events(trace, incidents, inc, (lo, hi)),
        lag,
        loss,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    pub(crate) fn incident(seq: u32, class: IncidentClass, scope: &str, start_s: u64) -> Incident {
        Incident {
            end_ns: Some((start_s + 3600) * S),
            ..Incident::opened(3, seq, class, scope.into(), true, start_s * S)
        }
    }

    pub(crate) fn event(t_s: u64, kind: &'static str, incident: Option<usize>) -> TraceEvent {
        TraceEvent {
            t_ns: t_s * S,
            kind,
            scope: "home".into(),
            incident,
            serving: true,
            dr_phase: "protected",
            lag_ns: Some(2 * S),
        }
    }

    pub(crate) fn actors() -> Actors {
        Actors {
            region: "home".into(),
            zones: vec!["az1".into(), "az2".into(), "az3".into()],
            paired: Some("pair".into()),
        }
    }

    /// A region outage at 10 000 s with DR failover: decision after 30
    /// min, writes back after 40 min, switched back by a failback later.
    pub(crate) fn failover_day() -> (Vec<Incident>, Vec<TraceEvent>) {
        let mut zone = incident(0, IncidentClass::Zone, "az1+az2", 2000);
        zone.rto_ns = 50 * S;
        let mut region = incident(1, IncidentClass::Region, "home", 10_000);
        region.end_ns = Some(30_000 * S);
        region.interruption_start_ns = Some(10_000 * S);
        region.interruption_end_ns = Some(12_400 * S);
        region.rto_ns = 2400 * S;
        region.recovery = "dr-failover";
        region.decision = Some("failover");
        region.last_sync_ns = Some(9_995 * S);
        region.shown_loss_ns = Some(5 * S);
        region.lost_writes = 1460;
        let mut back = incident(2, IncidentClass::Failback, "home", 40_000);
        back.interruption_start_ns = Some(40_000 * S);
        back.interruption_end_ns = Some(40_300 * S);
        back.end_ns = Some(40_300 * S);
        let down = |mut e: TraceEvent, phase| {
            e.serving = false;
            e.dr_phase = phase;
            e.lag_ns = None;
            e
        };
        let moved = |mut e: TraceEvent| {
            e.dr_phase = "failed-over";
            e.lag_ns = None;
            e
        };
        let trace = vec![
            event(5_000, "lag-sample", None),
            down(event(10_000, "region-outage", Some(1)), "protected"),
            down(event(11_800, "emergency-decision", Some(1)), "failing-over"),
            moved(event(12_400, "failover-done", Some(1))),
            moved(event(30_000, "region-repair", Some(1))),
            down(event(40_000, "resync-back-done", None), "switching-back"),
            event(40_300, "switch-back-done", Some(2)),
        ];
        (vec![zone, region, back], trace)
    }

    #[test]
    fn the_worst_region_incident_is_drawn_by_default() {
        let (mut incidents, _) = failover_day();
        assert_eq!(pick_incident(&incidents), Some(1));
        let mut worse = incident(3, IncidentClass::Region, "home", 50_000);
        worse.rto_ns = 5000 * S;
        incidents.push(worse);
        assert_eq!(pick_incident(&incidents), Some(3));
        let zones_only: Vec<Incident> = incidents
            .iter()
            .filter(|i| i.class != IncidentClass::Region)
            .cloned()
            .collect();
        assert_eq!(
            pick_incident(&zones_only),
            Some(0),
            "else the worst zone incident"
        );
        assert_eq!(pick_incident(&zones_only[2..]), None);
    }

    #[test]
    fn the_window_runs_from_the_last_sync_to_the_switch_back() {
        let (incidents, _) = failover_day();
        let (lo, hi) = story_window(&incidents, &incidents[1], 100_000 * S);
        // 9 995 s .. 40 300 s, padded by a sixteenth of its length.
        let pad = (40_300 - 9_995) * S / 16;
        assert_eq!((lo, hi), (9_995 * S - pad, 40_300 * S + pad));
        // Without a failover the switch back is not part of the story.
        let (_, hi) = story_window(&incidents, &incidents[0], 100_000 * S);
        assert_eq!(hi, 5_600 * S + 3_600 * S / 16);
        // Never past the horizon.
        assert_eq!(
            story_window(&incidents, &incidents[1], 40_400 * S).1,
            40_400 * S
        );
    }

    #[test]
    fn segments_start_from_the_state_before_the_window() {
        let (_, trace) = failover_day();
        let runs = segments(&trace, 9_000 * S, 20_000 * S, "off", |e| e.dr_phase);
        assert_eq!(
            runs,
            vec![
                (9_000 * S, 11_800 * S, "protected"),
                (11_800 * S, 12_400 * S, "failing-over"),
                (12_400 * S, 20_000 * S, "failed-over"),
            ]
        );
        assert_eq!(
            segments(&trace, 0, S, "off", |e| e.dr_phase),
            vec![(0, S, "off")]
        );
    }

    #[test]
    fn the_story_has_its_lanes_events_and_loss_window() {
        let (incidents, trace) = failover_day();
        let story = incident_story(&trace, &incidents, 1, &actors(), 100_000 * S).unwrap();
        let names: Vec<&str> = story.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "region home",
                "zone az1",
                "zone az2",
                "zone az3",
                "cross-region link",
                "paired region pair",
                "DR phase",
                "writes"
            ]
        );
        // The region outage shows on every zone lane; az3 has nothing else
        // (the zone incident on az1+az2 is before the window).
        assert_eq!(story.lanes[3].spans.len(), 1);
        assert_eq!(
            (
                story.lanes[3].spans[0].start_s,
                story.lanes[3].spans[0].end_s
            ),
            (0.0, 20_000.0)
        );
        let paired: Vec<&str> = story.lanes[5]
            .spans
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        assert_eq!(
            paired,
            [
                "standby",
                "taking over",
                "primary",
                "handing back",
                "standby"
            ]
        );
        let writes: Vec<(f64, &str)> = story.lanes[7]
            .spans
            .iter()
            .map(|s| (s.start_s, s.label.as_str()))
            .collect();
        assert_eq!(
            writes[..4],
            [
                (story.lo_s, "served"),
                (0.0, "no writes"),
                (2400.0, "served by the paired region"),
                (30_000.0, "no writes"),
            ]
        );
        let events: Vec<(f64, &str)> = story.events.iter().map(|(t, l)| (*t, l.as_str())).collect();
        assert_eq!(
            events,
            [
                (0.0, "region home fails"),
                (1800.0, "decision: failover (loss shown 5 s)"),
                (2400.0, "failover done + writes resume (RTO 40 min)"),
                (20_000.0, "region home repaired"),
                (30_000.0, "resync back done"),
                (30_300.0, "switched back"),
            ]
        );
        let loss = story.loss.unwrap();
        assert_eq!((loss.start_s, loss.end_s), (-5.0, 0.0));
        assert_eq!(loss.text, "loss window 5 s · 1,460 writes lost");
        assert_eq!(
            story.title,
            "Replication 3, incident 1: region home — failover"
        );
        assert!(incident_story(&trace, &incidents, 9, &actors(), 100_000 * S).is_none());
    }

    #[test]
    fn a_zone_incident_marks_each_zone_of_its_scope() {
        let (incidents, trace) = failover_day();
        let story = incident_story(&trace, &incidents, 0, &actors(), 100_000 * S).unwrap();
        let down: Vec<usize> = story.lanes[1..4].iter().map(|l| l.spans.len()).collect();
        assert_eq!(down, [1, 1, 0]);
        assert!(story.loss.is_none(), "no last sync, no loss window");
        assert!(story.lanes[4].spans.is_empty(), "the link had no incident");
    }
}
