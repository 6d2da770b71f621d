//! Restoring a destroyed region from its in-region backups (no DR, or DR
//! not yet seeded): the restore takes time, and the backups may be gone.
//!
//! - A region outage that destroys the primary's data also destroys the
//!   backups kept in the region with probability
//!   `failures.regions.backup_loss_probability` (scheduled incidents:
//!   `destroys_backups`). When the region returns, the environment's data
//!   is then lost entirely: the incident is a *total loss* (its lost writes
//!   are every write committed since the start, its RPO reaches back there,
//!   and the report counts such incidents on their own line rather than
//!   leave them to a percentile). The environment restarts empty at once.
//! - Otherwise the last backup is restored: the writes since it are lost,
//!   and writes stay stopped while `data_size` is copied at
//!   `environment.restore_bandwidth` (instant without one). The restore is
//!   the RTO's `restore` component. A region outage during the
//!   restore voids it; it starts over when the region is back.

use super::{sample_loss, Event, Replication};
use crate::time::{SimDuration, SimTime};
use rand::RngExt;

/// Restores owed and backups lost in one replication.
#[derive(Default)]
pub(super) struct Restores {
    /// Region incidents whose destruction took the in-region backups too.
    backups_lost: Vec<usize>,
    /// A restore must finish before writes resume in the primary.
    owed: bool,
    /// The restore under way (`Event::RestoreDone` of this epoch ends it).
    running: bool,
    epoch: u64,
}

impl Replication<'_> {
    /// A region outage that destroys the data opens `incident`: decide
    /// whether the backups go with it (`scheduled`: as the incident says;
    /// random outages: the scenario's probability).
    pub(super) fn note_destruction(&mut self, incident: usize, scheduled: Option<bool>) {
        let lost = scheduled.unwrap_or_else(|| {
            let p = self
                .sc
                .region_failures
                .as_ref()
                .map_or(0.0, |rf| rf.backup_loss_probability);
            p > 0.0 && self.rng.backups.random::<f64>() < p
        });
        if lost {
            self.restores.backups_lost.push(incident);
        }
    }

    /// The region destroyed by `incident` is rebuilt: from its last backup
    /// (the writes since are lost, and the restore is owed), or, if the
    /// backups went with it, from nothing. Returns how writes will resume.
    pub(super) fn rebuild_region(&mut self, now: SimTime, incident: usize) -> &'static str {
        if self.restores.backups_lost.contains(&incident) {
            let failure = self.service.frontier(now);
            let loss = sample_loss(
                &self.service,
                SimTime::ZERO,
                failure,
                self.sc.workload.write_rate,
                self.sc.workload.write_size,
                &mut self.rng.writes,
            );
            self.record_loss(incident, loss);
            self.incidents[incident].record.total_loss = true;
            return "data-lost";
        }
        self.lose_since_backup(now, self.sc.environment.backup_interval, incident);
        self.restores.owed = self.restore_time() > SimDuration::ZERO;
        "backup-restore"
    }

    /// `data_size` at the restore bandwidth.
    fn restore_time(&self) -> SimDuration {
        self.sc
            .environment
            .restore_bandwidth
            .map_or(SimDuration::ZERO, |bw| {
                SimDuration::from_secs_f64(self.sc.environment.data_size as f64 / bw)
            })
    }

    /// Whether a restore still keeps writes stopped in the primary; starts
    /// it when the region is up, voids it when the region is down.
    pub(super) fn restore_blocks(&mut self) -> bool {
        if !self.restores.owed {
            return false;
        }
        if self.region_down() {
            if self.restores.running {
                self.restores.running = false;
                self.restores.epoch += 1;
            }
        } else if !self.restores.running {
            self.restores.running = true;
            self.restores.epoch += 1;
            let epoch = self.restores.epoch;
            self.sched
                .after(self.restore_time(), Event::RestoreDone { epoch });
        }
        true
    }

    /// A restore is copying data now (the RTO's `restore`).
    pub(super) fn restore_running(&self) -> bool {
        self.restores.owed && self.restores.running
    }

    pub(super) fn restore_done(&mut self, now: SimTime, epoch: u64) {
        if self.restores.running && epoch == self.restores.epoch {
            self.restores.owed = false;
            self.restores.running = false;
            self.reconcile(now, None, None);
        }
    }
}
