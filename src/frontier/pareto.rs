//! Which policies are worth picking: the Pareto-efficient ones.
//!
//! The rule, on the means: a policy is *dominated* when another policy has
//! at most its lost writes and at most its downtime, and strictly less of at
//! least one; it is *efficient* otherwise. Two policies with exactly the
//! same means (common under common random numbers, e.g. two loss limits
//! above every loss window) are both efficient: neither is better. A policy
//! with the same downtime as another but more lost writes is dominated: it
//! is never the better pick. The intervals play no part: the rule says
//! which means are best, not whether the differences are significant (under
//! common random numbers they are much tighter than the intervals suggest).

/// For each point `(lost_writes, downtime)`, whether it is efficient; a
/// point without means (`None`: no replication ran) is neither efficient
/// nor dominates another.
pub fn efficient(points: &[Option<(f64, f64)>]) -> Vec<bool> {
    points
        .iter()
        .map(|p| {
            p.is_some_and(|(x, y)| {
                !points
                    .iter()
                    .flatten()
                    .any(|&(ox, oy)| ox <= x && oy <= y && (ox < x || oy < y))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominated_points_are_marked_and_ties_are_kept() {
        let points = [
            Some((0.0, 10.0)), // least loss: efficient
            Some((5.0, 5.0)),  // efficient
            Some((5.0, 5.0)),  // the same means: both efficient
            Some((6.0, 5.0)),  // same downtime, more loss: dominated
            Some((5.0, 7.0)),  // same loss, more downtime: dominated
            Some((9.0, 1.0)),  // least downtime: efficient
            Some((9.0, 9.0)),  // worse on both: dominated
            None,              // no replication: neither
        ];
        assert_eq!(
            efficient(&points),
            [true, true, true, false, false, true, false, false]
        );
    }

    #[test]
    fn a_single_point_and_all_equal_points_are_efficient() {
        assert_eq!(efficient(&[Some((3.0, 4.0))]), [true]);
        assert_eq!(efficient(&[Some((1.0, 1.0)); 3]), [true; 3]);
        assert!(efficient(&[]).is_empty());
    }
}
