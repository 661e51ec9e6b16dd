//! The command line, as clap parses it. Nothing here runs anything: [`crate::run`] does.

use std::path::PathBuf;

use adapty_api::ProfileSelector;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

/// What `--help` says after the options: the key, the exit codes.
const AFTER_HELP: &str = "\
API key:
  Read from the file given with --api-key-file, else from the environment variable
  ADAPTY_API_KEY. Never pass it as an argument: argv is visible to every user of the machine.
  The key is never printed, not even in errors.

Exit codes:
  0    every call succeeded (bulk delete: every valid ID was deleted or was not found)
  1    a call failed, or some input lines were skipped: invalid or duplicate (reported on
       stderr with their line numbers)
  2    could not start: bad usage, no API key, unreadable file or journal, bad base URL
  130  interrupted (Ctrl-C or SIGTERM); rerun with the same --journal to finish";

/// `adapty`: Adapty's server-side API from the command line.
#[derive(Debug, Parser)]
#[command(name = "adapty", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Where the API is: Adapty's production API by default, or e.g. a local emulator
    /// (`http://127.0.0.1:8080`). `https` is required except on loopback hosts.
    #[arg(long, global = true, value_name = "URL", default_value = adapty_api::DEFAULT_BASE_URL, help_heading = "Global options")]
    pub base_url: String,

    /// Read the secret API key from FILE (surrounding whitespace is ignored). Without it, the key
    /// comes from the ADAPTY_API_KEY environment variable.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Global options"
    )]
    pub api_key_file: Option<PathBuf>,

    /// Which version of Adapty's server-side API to call.
    #[arg(long, global = true, value_enum, default_value_t = ApiVersion::V2, help_heading = "Global options")]
    pub api_version: ApiVersion,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// A version of Adapty's server-side API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiVersion {
    /// The older profile API (`/api/v1/server-side-api/profiles/`).
    V1,
    /// Adapty's current API (`/api/v2/server-side-api/profile/`).
    V2,
}

/// The command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read, create, update or delete end users' profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
}

/// `adapty profile ...`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Print a profile as JSON.
    Get(Target),
    /// Create a profile and print it as JSON.
    Create(Write),
    /// Change a profile's attributes and print it as JSON.
    Update(Write),
    /// Delete one profile, or many (`--from FILE`) with a journal that makes reruns safe.
    #[command(after_help = DELETE_AFTER_HELP)]
    Delete(Delete),
}

const DELETE_AFTER_HELP: &str = "\
Deleting many profiles:
  adapty profile delete --from ids.txt --journal ids.journal
  One ID per line (blank lines and # comments are skipped), or CSV with a header row when
  --column names the column. Bad lines (not an ID, a duplicate, a missing field) are reported
  with their line number and skipped; the valid ones are deleted. Every outcome is appended to
  the journal as it happens; a rerun with the same journal skips the IDs it records as deleted
  or not found and tries the failed ones again.

Exit codes:
  0    every valid ID was deleted or was not found (one profile: deleted or not found)
  1    some deletions failed, or some input lines were skipped (invalid or duplicate)
  2    could not start: bad usage, no API key, unreadable file or journal, bad base URL
  130  interrupted (Ctrl-C or SIGTERM): the calls in flight finished and were journaled";

/// Which one profile: by Adapty's profile ID or by your own user ID.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// Adapty's profile ID (a UUID).
    #[arg(long, value_name = "UUID", value_parser = parse_profile_id)]
    pub profile_id: Option<ProfileSelector>,
    /// Your own ID of the user (the customer user ID).
    #[arg(long, value_name = "ID", value_parser = parse_customer_user_id)]
    pub customer_user_id: Option<ProfileSelector>,
}

impl Target {
    /// The profile named (clap's group makes exactly one of the two present).
    pub fn selector(&self) -> Option<&ProfileSelector> {
        self.profile_id.as_ref().or(self.customer_user_id.as_ref())
    }
}

/// `create` and `update`: the profile and the body.
#[derive(Debug, Args)]
pub struct Write {
    /// The profile.
    #[command(flatten)]
    pub target: Target,
    /// The body: a JSON file of the API version's ProfileRequest (`-` reads stdin). Without it,
    /// create sends `{}` and update changes nothing.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

/// `delete`: one profile, or many from a file.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("which").required(true).multiple(false)
        .args(["profile_id", "customer_user_id", "from"])
))]
pub struct Delete {
    /// Adapty's profile ID (a UUID).
    #[arg(long, value_name = "UUID", value_parser = parse_profile_id)]
    pub profile_id: Option<ProfileSelector>,
    /// Your own ID of the user (the customer user ID).
    #[arg(long, value_name = "ID", value_parser = parse_customer_user_id)]
    pub customer_user_id: Option<ProfileSelector>,
    /// Delete every profile listed in FILE (`-` reads stdin): one ID per line, or CSV with
    /// `--column`.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// What the IDs in the file are.
    #[arg(long, value_enum, default_value_t = By::ProfileId, requires = "from", conflicts_with_all = ONE)]
    pub by: By,
    /// The file is CSV with a header row; the IDs are in the column named NAME.
    #[arg(long, value_name = "NAME", requires = "from", conflicts_with_all = ONE)]
    pub column: Option<String>,
    /// How many deletions in flight at once (1 to 1024). The run slows down by itself when
    /// Adapty answers 429.
    #[arg(long, value_name = "N", default_value_t = 16, requires = "from", conflicts_with_all = ONE,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Read the file and the journal and list what would be deleted (on stdout); send nothing.
    /// Needs no API key.
    #[arg(long, requires = "from", conflicts_with_all = ONE)]
    pub dry_run: bool,
    /// Append every outcome to FILE (JSON lines); on a rerun, skip the IDs it records as deleted
    /// or not found.
    #[arg(long, value_name = "FILE", requires = "from", conflicts_with_all = ONE)]
    pub journal: Option<PathBuf>,
}

/// The options of one profile, which the bulk options conflict with. (A `requires = "from"` alone
/// is not enforced: clap skips the requirement of an argument that conflicts with one present.)
const ONE: [&str; 2] = ["profile_id", "customer_user_id"];

/// What the IDs of a `--from` file name (in the journal: `profile_id` or `customer_user_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// Adapty's profile IDs (UUIDs).
    ProfileId,
    /// Your own user IDs (customer user IDs).
    CustomerUserId,
}

impl By {
    /// The name in the journal: `profile_id` or `customer_user_id`.
    pub fn as_str(self) -> &'static str {
        match self {
            By::ProfileId => "profile_id",
            By::CustomerUserId => "customer_user_id",
        }
    }
}

fn parse_profile_id(text: &str) -> Result<ProfileSelector, String> {
    ProfileSelector::parse_profile_id(text).map_err(|e| e.to_string())
}

fn parse_customer_user_id(text: &str) -> Result<ProfileSelector, String> {
    ProfileSelector::customer_user_id(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("adapty").chain(args.iter().copied()))
    }

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exactly_one_profile_is_named() {
        let id = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
        assert!(parse(&["profile", "get", "--profile-id", id]).is_ok());
        assert!(parse(&["profile", "get", "--customer-user-id", "u1"]).is_ok());
        for bad in [
            &["profile", "get"][..],
            &[
                "profile",
                "get",
                "--profile-id",
                id,
                "--customer-user-id",
                "u1",
            ],
            &["profile", "delete"],
            &["profile", "delete", "--profile-id", id, "--from", "ids.txt"],
            &["profile", "get", "--profile-id", "not-a-uuid"],
            &["profile", "get", "--customer-user-id", " padded"],
        ] {
            let error = parse(bad).expect_err(&format!("{bad:?}"));
            assert_eq!(error.exit_code(), 2, "{bad:?}: {error}");
        }
    }

    #[test]
    fn bulk_options_need_from_and_concurrency_is_bounded() {
        let id = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
        assert!(parse(&["profile", "delete", "--profile-id", id, "--dry-run"]).is_err());
        assert!(parse(&["profile", "delete", "--profile-id", id, "--journal", "j"]).is_err());
        for (n, ok) in [("0", false), ("1", true), ("1024", true), ("1025", false)] {
            let parsed = parse(&["profile", "delete", "--from", "-", "--concurrency", n]);
            assert_eq!(parsed.is_ok(), ok, "--concurrency {n}");
        }
        let cli = parse(&[
            "profile",
            "delete",
            "--from",
            "ids.csv",
            "--by",
            "customer-user-id",
        ])
        .expect("valid");
        let Command::Profile(ProfileCommand::Delete(delete)) = cli.command else {
            panic!("delete")
        };
        assert_eq!((delete.by, delete.concurrency), (By::CustomerUserId, 16));
        assert_eq!(cli.api_version, ApiVersion::V2);
        assert_eq!(cli.base_url, adapty_api::DEFAULT_BASE_URL);
    }

    #[test]
    fn there_is_no_api_key_argument() {
        let error = parse(&[
            "--api-key",
            "secret",
            "profile",
            "get",
            "--customer-user-id",
            "u",
        ])
        .expect_err("no such option");
        assert_eq!(error.kind(), clap::error::ErrorKind::UnknownArgument);
        let help = Cli::command().render_long_help().to_string();
        assert!(
            help.contains("ADAPTY_API_KEY") && help.contains("130"),
            "{help}"
        );
    }
}
