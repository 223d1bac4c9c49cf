//! Meeting polls: a host proposes times, participants vote, the host (or the
//! deadline) settles on one.

use super::{Email, Location, TimeZoneName, ValidationError, check_line, check_text, invalid};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    Yes,
    IfNeedBe,
    No,
}

/// A participant invited by email (they get a personal link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invited {
    pub name: String,
    pub email: Email,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PollInput {
    /// The host who meets the participants.
    pub host_id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub duration_minutes: u32,
    #[serde(default)]
    pub location: Location,
    /// The zone the host thinks in (participants see options in their own).
    pub timezone: TimeZoneName,
    /// Proposed start times; leave empty and set `suggest` to let Kairos
    /// propose the host's next free times.
    #[serde(default)]
    pub options: Vec<DateTime<Utc>>,
    /// How many free times to suggest when `options` is empty.
    pub suggest: Option<u32>,
    #[serde(default)]
    pub participants: Vec<Invited>,
    /// Anyone with the poll's open link may join by giving a name and email.
    #[serde(default)]
    pub open: bool,
    pub deadline: Option<DateTime<Utc>>,
    /// At the deadline, book the best option instead of only closing.
    #[serde(default)]
    pub finalize_at_deadline: bool,
    /// Participants see the results (counts and names); otherwise only the host does.
    #[serde(default = "yes")]
    pub votes_visible: bool,
}

fn yes() -> bool {
    true
}

impl PollInput {
    pub fn validate(&mut self, now: DateTime<Utc>) -> Result<(), ValidationError> {
        check_line("title", &self.title, 200, true)?;
        check_text("description", &self.description, 10_000, false)?;
        if !(1..=1440).contains(&self.duration_minutes) {
            return invalid("duration_minutes", "must be 1..=1440");
        }
        if self.options.is_empty() {
            match self.suggest {
                Some(n) if (MIN_OPTIONS as u32..=MAX_OPTIONS as u32).contains(&n) => {}
                Some(_) => {
                    return invalid("suggest", format!("must be {MIN_OPTIONS}..={MAX_OPTIONS}"));
                }
                None => {
                    return invalid(
                        "options",
                        format!(
                            "give {MIN_OPTIONS} to {MAX_OPTIONS} times, or ask for suggestions"
                        ),
                    );
                }
            }
        } else {
            self.options.sort();
            self.options.dedup();
            if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&self.options.len()) {
                return invalid(
                    "options",
                    format!("give {MIN_OPTIONS} to {MAX_OPTIONS} distinct times"),
                );
            }
            if let Some(i) = self.options.iter().position(|o| *o <= now) {
                return invalid(format!("options[{i}]"), "is in the past");
            }
        }
        if self.deadline.is_some_and(|d| d <= now) {
            return invalid("deadline", "is in the past");
        }
        if self.finalize_at_deadline && self.deadline.is_none() {
            return invalid("finalize_at_deadline", "needs a deadline");
        }
        if self.participants.is_empty() && !self.open {
            return invalid("participants", "invite someone, or make the poll open");
        }
        let mut seen = std::collections::HashSet::new();
        for (i, p) in self.participants.iter().enumerate() {
            check_line(&format!("participants[{i}].name"), &p.name, 200, true)?;
            if !seen.insert(p.email.as_str().to_ascii_lowercase()) {
                return invalid(format!("participants[{i}].email"), "is invited twice");
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PollStatus {
    Open,
    /// Closed without a meeting (deadline passed, or the host closed it).
    Closed,
    /// An option was chosen and booked.
    Finalized,
}

impl PollStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PollStatus::Open => "open",
            PollStatus::Closed => "closed",
            PollStatus::Finalized => "finalized",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [PollStatus::Open, PollStatus::Closed, PollStatus::Finalized]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Poll {
    pub id: String,
    #[serde(flatten)]
    pub input: PollInput,
    /// The hidden event type the poll books through.
    pub event_type_id: String,
    pub status: PollStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_option: Option<usize>,
    /// The booking made when the poll was finalized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking_uid: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Poll {
    /// Open, and its deadline (if any) not passed.
    pub fn accepts_votes(&self, now: DateTime<Utc>) -> bool {
        self.status == PollStatus::Open && self.input.deadline.is_none_or(|d| now < d)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    pub id: String,
    pub name: String,
    pub email: Email,
    /// One vote per option, `None` where not voted yet.
    pub votes: Vec<Option<Vote>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// What a participant sends: a vote for every option.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    pub votes: Vec<Vote>,
    pub comment: Option<String>,
}

impl Ballot {
    pub fn validate(&self, options: usize) -> Result<(), ValidationError> {
        if self.votes.len() != options {
            return invalid("votes", format!("vote on each of the {options} options"));
        }
        if let Some(comment) = &self.comment {
            check_text("comment", comment, 2_000, false)?;
        }
        Ok(())
    }
}

/// Per option: the counts and who voted what.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OptionResult {
    pub index: usize,
    pub start: DateTime<Utc>,
    pub yes: usize,
    pub if_need_be: usize,
    pub no: usize,
    /// Names by vote; empty when votes are hidden from the asker.
    pub yes_voters: Vec<String>,
    pub if_need_be_voters: Vec<String>,
    pub no_voters: Vec<String>,
}

/// Results in the order the poll ranks them: most yes, then most if-need-be,
/// then earliest. `show_voters` adds the names behind each count.
pub fn rank(
    options: &[DateTime<Utc>],
    participants: &[Participant],
    show_voters: bool,
) -> Vec<OptionResult> {
    let mut results: Vec<OptionResult> = options
        .iter()
        .enumerate()
        .map(|(index, start)| {
            let mut result = OptionResult {
                index,
                start: *start,
                yes: 0,
                if_need_be: 0,
                no: 0,
                yes_voters: Vec::new(),
                if_need_be_voters: Vec::new(),
                no_voters: Vec::new(),
            };
            for p in participants {
                let (count, voters) = match p.votes.get(index).copied().flatten() {
                    Some(Vote::Yes) => (&mut result.yes, &mut result.yes_voters),
                    Some(Vote::IfNeedBe) => (&mut result.if_need_be, &mut result.if_need_be_voters),
                    Some(Vote::No) => (&mut result.no, &mut result.no_voters),
                    None => continue,
                };
                *count += 1;
                if show_voters {
                    voters.push(p.name.clone());
                }
            }
            result
        })
        .collect();
    results.sort_by(|a, b| {
        b.yes
            .cmp(&a.yes)
            .then(b.if_need_be.cmp(&a.if_need_be))
            .then(a.start.cmp(&b.start))
    });
    results
}

/// The options the poll would pick now: those level with the best ranked on
/// yes and if-need-be votes (several when tied). None while nobody can come
/// to any option, so an empty poll marks nothing as best.
pub fn best_options(results: &[OptionResult]) -> Vec<usize> {
    let score = |r: &OptionResult| (r.yes, r.if_need_be);
    let Some(top) = results.iter().map(score).max() else {
        return Vec::new();
    };
    if top == (0, 0) {
        return Vec::new();
    }
    let mut best: Vec<usize> = results
        .iter()
        .filter(|r| score(r) == top)
        .map(|r| r.index)
        .collect();
    best.sort_unstable();
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn participant(votes: &[Option<Vote>]) -> Participant {
        Participant {
            id: "p".into(),
            name: "P".into(),
            email: Email::parse("p@example.com").expect("email"),
            votes: votes.to_vec(),
            comment: None,
        }
    }

    fn at(hour: u32) -> DateTime<Utc> {
        format!("2026-06-01T{hour:02}:00:00Z")
            .parse()
            .expect("instant")
    }

    #[test]
    fn best_is_most_yes_then_if_need_be_with_ties() {
        use Vote::*;
        let options = [at(9), at(10), at(11), at(12)];
        let people = [
            participant(&[Some(Yes), Some(Yes), Some(IfNeedBe), Some(Yes)]),
            participant(&[Some(IfNeedBe), Some(IfNeedBe), Some(Yes), None]),
            participant(&[Some(No), Some(No), Some(Yes), Some(IfNeedBe)]),
        ];
        // 9: 1 yes 1 maybe; 10: same; 11: 2 yes 1 maybe; 12: 1 yes 1 maybe.
        let results = rank(&options, &people, false);
        assert_eq!(best_options(&results), vec![2]);
        let tied = [
            participant(&[Some(Yes), Some(IfNeedBe), Some(Yes), Some(No)]),
            participant(&[Some(IfNeedBe), Some(Yes), Some(IfNeedBe), Some(No)]),
        ];
        let results = rank(&options, &tied, false);
        assert_eq!(best_options(&results), vec![0, 1, 2]);
    }

    #[test]
    fn nothing_is_best_before_anyone_can_come() {
        let options = [at(9), at(10)];
        assert!(best_options(&rank(&options, &[], false)).is_empty());
        let noes = [participant(&[Some(Vote::No), Some(Vote::No)])];
        assert!(best_options(&rank(&options, &noes, false)).is_empty());
    }
}
