//! `adapty profile get|create|update|delete`: one profile per command, its JSON on stdout; and
//! `delete --from FILE`, many ([`delete_many`]).

use std::io::Read as _;
use std::path::Path;

use adapty_api::{Error, ProfileSelector, Response, v1, v2};
use serde_json::{Value, json};

use crate::cli::{ApiVersion, Delete, ProfileCommand, Write};
use crate::{Api, Exit, Fatal, Global, describe, print_json, runtime};

pub mod delete_many;

/// Runs one `adapty profile` command.
pub fn run(global: &Global, command: ProfileCommand) -> Result<Exit, Fatal> {
    match command {
        ProfileCommand::Get(target) => {
            let who = selector(target.selector())?;
            one_call(global, |api| async move {
                match api {
                    Api::V1(client) => as_json(client.get_profile(&who).await),
                    Api::V2(client) => as_json(client.get_profile(&who).await),
                }
            })
        }
        ProfileCommand::Create(write) => {
            let (who, body) = body_of(global, &write)?;
            one_call(global, |api| async move {
                match (api, body) {
                    (Api::V1(client), Body::V1(body)) => {
                        as_json(client.create_profile(&who, &body).await)
                    }
                    (Api::V2(client), Body::V2(body)) => {
                        as_json(client.create_profile(&who, &body).await)
                    }
                    _ => unreachable!("the body is read for the client's version"),
                }
            })
        }
        ProfileCommand::Update(write) => {
            let (who, body) = body_of(global, &write)?;
            one_call(global, |api| async move {
                match (api, body) {
                    (Api::V1(client), Body::V1(body)) => {
                        as_json(client.update_profile(&who, &body).await)
                    }
                    (Api::V2(client), Body::V2(body)) => {
                        as_json(client.update_profile(&who, &body).await)
                    }
                    _ => unreachable!("the body is read for the client's version"),
                }
            })
        }
        ProfileCommand::Delete(delete) => match delete.from {
            Some(ref from) => delete_many::run(global, from, &delete),
            None => delete_one(global, &delete),
        },
    }
}

fn selector(who: Option<&ProfileSelector>) -> Result<ProfileSelector, Fatal> {
    who.cloned()
        .ok_or_else(|| Fatal::new("name the profile with --profile-id or --customer-user-id"))
}

/// What a successful call prints.
type Printed = Result<Value, Error>;

fn as_json<T: serde::Serialize>(result: Result<Response<T>, Error>) -> Printed {
    result.map(|response| serde_json::to_value(&*response).unwrap_or(Value::Null))
}

/// Builds the client, makes one call, prints its JSON (exit 0) or its error (exit 1; 2 when the
/// client refused the input before sending anything).
fn one_call<F, Fut>(global: &Global, call: F) -> Result<Exit, Fatal>
where
    F: FnOnce(Api) -> Fut,
    Fut: Future<Output = Printed>,
{
    let api = global.client()?;
    match runtime()?.block_on(call(api)) {
        Ok(value) => {
            print_json(&value);
            Ok(Exit::Success)
        }
        Err(error) => Ok(report(&error)),
    }
}

/// Prints a call's error on stderr and says how the command ends.
fn report(error: &Error) -> Exit {
    match error {
        Error::InvalidInput(_) => {
            eprintln!("adapty: {error} (nothing was sent)");
            Exit::CouldNotStart
        }
        Error::Api(e) if e.is_not_found() => {
            eprintln!("adapty: no such profile: {}", describe(error));
            Exit::Failed
        }
        _ => {
            eprintln!("adapty: {}", describe(error));
            Exit::Failed
        }
    }
}

/// `delete` of one profile: `{"outcome":"deleted"|"not_found","status":…,"request_id":…}` on
/// stdout, exit 0 either way (the profile is gone); any other failure exits 1.
fn delete_one(global: &Global, delete: &Delete) -> Result<Exit, Fatal> {
    let who = selector(
        delete
            .profile_id
            .as_ref()
            .or(delete.customer_user_id.as_ref()),
    )?;
    let api = global.client()?;
    let result = runtime()?.block_on(async {
        match &api {
            Api::V1(client) => client.delete_profile(&who).await,
            Api::V2(client) => client.delete_profile(&who).await,
        }
    });
    let answer = |outcome: &str, status: u16, request_id: Option<&str>| json!({"outcome": outcome, "status": status, "request_id": request_id});
    match result {
        Ok(response) => {
            print_json(&answer(
                "deleted",
                response.status().as_u16(),
                response.request_id(),
            ));
            Ok(Exit::Success)
        }
        Err(Error::Api(e)) if e.is_not_found() => {
            print_json(&answer("not_found", e.status().as_u16(), e.request_id()));
            Ok(Exit::Success)
        }
        Err(error) => Ok(report(&error)),
    }
}

/// A create or update body of one API version.
#[derive(Debug)]
enum Body {
    V1(v1::types::ProfileRequest),
    V2(v2::types::ProfileRequest),
}

/// The profile and the body of a create or update: `--data FILE` (`-`: stdin) read as the
/// version's `ProfileRequest`, or an empty one.
fn body_of(global: &Global, write: &Write) -> Result<(ProfileSelector, Body), Fatal> {
    let who = selector(write.target.selector())?;
    let Some(path) = &write.data else {
        return Ok((
            who,
            match global.api_version {
                ApiVersion::V1 => Body::V1(Default::default()),
                ApiVersion::V2 => Body::V2(Default::default()),
            },
        ));
    };
    let bytes = read_source(path).map_err(|e| Fatal::new(format!("--data {e}")))?;
    let name = source_name(path);
    let body = parse_body(global.api_version, &bytes).map_err(|e| {
        Fatal::new(format!(
            "--data {name}: not a {} ProfileRequest: {e}",
            version_name(global.api_version)
        ))
    })?;
    Ok((who, body))
}

fn version_name(version: ApiVersion) -> &'static str {
    match version {
        ApiVersion::V1 => "v1",
        ApiVersion::V2 => "v2",
    }
}

/// Reads a body: a JSON object with only the version's `ProfileRequest` fields (a misspelt field
/// is refused rather than silently dropped).
fn parse_body(version: ApiVersion, bytes: &[u8]) -> Result<Body, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let Value::Object(fields) = &value else {
        return Err("the body must be a JSON object".to_owned());
    };
    let known = match version {
        ApiVersion::V1 => v1::facts::PROFILE_REQUEST_PROPERTIES,
        ApiVersion::V2 => v2::facts::PROFILE_REQUEST_PROPERTIES,
    };
    if let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(format!(
            "unknown field {unknown:?} (the fields are: {})",
            known.join(", ")
        ));
    }
    match version {
        ApiVersion::V1 => serde_json::from_value(value).map(Body::V1),
        ApiVersion::V2 => serde_json::from_value(value).map(Body::V2),
    }
    .map_err(|e| e.to_string())
}

/// The name of an input in messages: the path, or `stdin` for `-`.
pub(crate) fn source_name(path: &Path) -> String {
    if path == Path::new("-") {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Reads a file, or stdin for `-`; the error starts with the source's name.
pub(crate) fn read_source(path: &Path) -> Result<Vec<u8>, String> {
    let name = source_name(path);
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin().lock().read_to_end(&mut bytes).map(drop)
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    read.map_err(|e| format!("{name}: cannot read it: {e}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_the_versions_requests_and_misspelt_fields_are_refused() {
        let body = parse_body(ApiVersion::V2, br#"{"first_name":"Jane","email":null}"#)
            .expect("a v2 request");
        let Body::V2(request) = body else {
            panic!("v2")
        };
        assert_eq!(
            serde_json::to_value(&request).expect("json"),
            json!({"first_name": "Jane", "email": null})
        );
        // `ip_v4_address` is v2 only.
        assert!(parse_body(ApiVersion::V2, br#"{"ip_v4_address":"1.2.3.4"}"#).is_ok());
        let v1 = parse_body(ApiVersion::V1, br#"{"ip_v4_address":"1.2.3.4"}"#)
            .expect_err("not a v1 field");
        assert!(v1.starts_with("unknown field \"ip_v4_address\""), "{v1}");
        assert!(parse_body(ApiVersion::V1, br#"{"frist_name":"x"}"#).is_err());
        assert!(parse_body(ApiVersion::V1, b"[]").is_err());
        assert!(parse_body(ApiVersion::V1, br#"{"gender":1}"#).is_err());
    }
}
