//! `xtask::upstream`: the reader of Adapty's table format, pages and OpenAPI file. Each test writes
//! a small docs tree of its own into a fresh directory and reads it back as facts.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use xtask::upstream::{self, Facts, Upstream};

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("upstream-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Writes `files` (path, text) under a fresh directory and reads it as a docs tree.
fn read(name: &str, files: &[(&str, &str)]) -> Upstream {
    let dir = scratch(name);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("directory");
        std::fs::write(path, text).expect("write");
    }
    upstream::read_docs(&dir, None).expect("read_docs")
}

fn v1(upstream: &Upstream) -> &Facts {
    upstream.get("v1").expect("v1 facts")
}

const ACCESS_TABLE: &str = "\
| Parameter | Type | Required in request | Nullable in request | Description |
| :-- | :-- | :-- | :-- | :-- |
| access_level_id | String | :heavy_plus_sign: | :heavy_minus_sign: | The ID. |
| expires_at | ISO 8601 date | :heavy_plus_sign: | :heavy_plus_sign: | When it ends. |
| environment | String | :heavy_minus_sign: | :heavy_minus_sign: | Possible values: `Sandbox`, `Production` |
";

#[test]
fn flags_of_both_styles_are_read() {
    let profile = "\
## Profile[](https://example.com/objects#profile)

| Param | Type | Required | Nullable | Description |
| :-- | :-- | :-- | :-- | :-- |
| **profile_id** | UUID | ✅ | ❌ | The ID. |
| **customer\\_user\\_id** | str | ✅ | ✅ | Yours. |
";
    let facts = read(
        "flags",
        &[
            ("v1-pages/AccessLevel.md", ACCESS_TABLE),
            ("v1-pages/Profile.md", profile),
        ],
    );
    let facts = v1(&facts);
    let access = &facts.objects["v1-pages/AccessLevel"].fields;
    let flags = |f: &upstream::Field| (f.required, f.nullable, f.ty.clone());
    assert_eq!(
        flags(&access["access_level_id"]),
        (Some(true), Some(false), Some("String".into()))
    );
    assert_eq!(
        flags(&access["expires_at"]),
        (Some(true), Some(true), Some("ISO 8601 date".into()))
    );
    assert_eq!(flags(&access["environment"]).0, Some(false));
    assert_eq!(access["expires_at"].at, "v1-pages/AccessLevel.md:4");
    // The heading names the object (its link dropped); bold and escapes leave the names.
    let profile = &facts.objects["v1-pages/Profile#profile"].fields;
    assert_eq!(
        flags(&profile["profile_id"]),
        (Some(true), Some(false), Some("UUID".into()))
    );
    assert_eq!(flags(&profile["customer_user_id"]).1, Some(true));
    assert!(facts.unreadable.is_empty(), "{:?}", facts.unreadable);
}

#[test]
fn enum_values_and_limits_are_read_from_descriptions() {
    let table = "\
| Parameter | Type | Required in request | Nullable in request | Description |
| --- | --- | --- | --- | --- |
| gender | String | :heavy_minus_sign: | :heavy_plus_sign: | The gender. Possible values: <ul><li> `m` for male</li><li> `f` for female</li><li> `o` for other</li></ul>. |
| store | String | :heavy_plus_sign: | :heavy_minus_sign: | Possible values are: **app\\_store**, **play_store**, name of your [custom store](x) |
| platform | String | :heavy_minus_sign: | :heavy_plus_sign: | Possible values: `iOS`, `Android`, or `web`. |
| custom_attributes | Dictionary | :heavy_minus_sign: | :heavy_minus_sign: | <p>A maximum of 30 attributes. You must provide at least one key.</p><p>**Key**: no more than 30 characters.</p><p>**Value**: must be no more than 50 characters.</p> |
| note | String | :heavy_minus_sign: | :heavy_plus_sign: | Always `404`, see the 30 pages of the guide. |
";
    let facts = read("enums", &[("v1-pages/Request.md", table)]);
    let fields = &v1(&facts).objects["v1-pages/Request"].fields;
    let strings = |name: &str| -> Vec<Value> { fields[name].values.clone() };
    assert_eq!(strings("gender"), [json!("m"), json!("f"), json!("o")]);
    assert_eq!(strings("store"), [json!("app_store"), json!("play_store")]);
    assert_eq!(
        strings("platform"),
        [json!("iOS"), json!("Android"), json!("web")]
    );
    assert!(strings("note").is_empty());
    assert!(fields["note"].limits.is_empty(), "no clear pattern");
    let limits = &fields["custom_attributes"].limits;
    assert_eq!(limits["max_items"], json!(30));
    assert_eq!(limits["min_items"], json!(1));
    assert_eq!(limits["key.max_length"], json!(30));
    assert_eq!(limits["value.max_length"], json!(50));
}

#[test]
fn unreadable_rows_are_reported_with_their_line_and_the_rest_is_read() {
    let table = "\
Intro.

| Parameter | Type | Required | Nullable | Description |
| --- | --- | --- | --- | --- |
| first_name | String | ❌ | ✅ | OK. |
| last_name | String | ❌ | ✅ |
| email | String | maybe | ✅ | A flag that is neither. |
| two words | String | ❌ | ❌ | Not a name. |
| first_name | String | ❌ | ✅ | Twice. |
| phone | String | ❌ | ✅ | OK. |

| Step | What |
| --- | --- |
| 1 | Not a field table. |
";
    let facts = read("malformed", &[("v1-pages/Broken.md", table)]);
    let facts = v1(&facts);
    let unreadable: Vec<(&str, &str)> = facts
        .unreadable
        .iter()
        .map(|u| (u.at.as_str(), u.why.as_str()))
        .collect();
    let at: Vec<&str> = unreadable.iter().map(|(at, _)| *at).collect();
    assert_eq!(
        at,
        [
            "v1-pages/Broken.md:6",
            "v1-pages/Broken.md:7",
            "v1-pages/Broken.md:8",
            "v1-pages/Broken.md:9",
            "v1-pages/Broken.md:12",
        ],
        "{unreadable:?}"
    );
    assert!(unreadable[0].1.contains("4 cells, the header has 5"));
    assert!(unreadable[1].1.contains("`maybe`"));
    assert!(unreadable[2].1.contains("not a field name"));
    assert!(unreadable[3].1.contains("twice"));
    assert!(unreadable[4].1.contains("not a field table"));
    let fields = &facts.objects["v1-pages/Broken"].fields;
    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
    // The row with an unreadable flag keeps what could be read; the malformed ones are left out.
    assert_eq!(names, ["email", "first_name", "phone"]);
    assert_eq!(fields["email"].required, None);
    assert_eq!(fields["email"].nullable, Some(true));
}

#[test]
fn pages_give_operations_statuses_and_json_examples() {
    let page = "\
# Get it

```http
GET https://api.adapty.io/api/v2/server-side-api/profile/
```

## Successful response: 200: OK

```json showLineNumbers
{\"data\": {\"profile_id\": \"x\"}}
```

### 404 - Not found

```bash
curl --request DELETE 'https://api.adapty.io/api/v2/server-side-api/profile/'
```

```
{\"broken\": 
```

```json
not json
";
    let facts = read("pages", &[("v2/ss-page.md", page)]);
    let facts = facts.get("v2").expect("a page under v2/ is v2");
    assert_eq!(facts.operations.len(), 1, "{:?}", facts.operations);
    let op = &facts.operations[0];
    assert_eq!(
        (op.method.as_str(), op.path.as_str()),
        ("GET", "/api/v2/server-side-api/profile/")
    );
    assert_eq!(op.statuses.iter().collect::<Vec<_>>(), ["200", "404"]);
    assert_eq!(op.at, ["v2/ss-page.md:4"]);
    assert_eq!(facts.examples.len(), 1);
    assert_eq!(facts.examples[0].at, "v2/ss-page.md:9");
    assert_eq!(
        facts.examples[0].value,
        json!({"data": {"profile_id": "x"}})
    );
    let at: Vec<&str> = facts.unreadable.iter().map(|u| u.at.as_str()).collect();
    assert_eq!(
        at,
        ["v2/ss-page.md:19", "v2/ss-page.md:23", "v2/ss-page.md:23"]
    );
    assert!(facts.unreadable[0].why.contains("not JSON"));
    assert!(facts.unreadable[1].why.contains("never closed"));
}

#[test]
fn the_openapi_file_gives_operations_schemas_and_examples() {
    let openapi = r##"
openapi: 3.1.0
paths:
  /api/v2/things/:
    get:
      operationId: listThings
      parameters:
        - name: page[size]
          in: query
          schema: {type: integer, minimum: 1, maximum: 100}
        - $ref: "#/components/parameters/Missing"
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
              examples:
                one: {value: {name: a}}
components:
  schemas:
    Thing:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 30, description: "no more than 30 characters"}
        kind: {type: string, enum: [a, b], nullable: true}
        offer:
          nullable: true
          allOf: [{$ref: "#/components/schemas/Offer"}]
        value:
          oneOf: [{type: string}, {type: number}]
          description: The value must be no more than 50 characters.
        items:
          type: array
          items:
            type: object
            properties:
              id: {type: string, format: uuid}
    Offer:
      type: object
      properties:
        id: {type: string}
"##;
    let dir = scratch("openapi");
    let file = dir.join("file.yaml");
    std::fs::write(&file, openapi).expect("write");
    let upstream = upstream::read_docs(&dir, Some(&file)).expect("read");
    let facts = &upstream["v2"];
    let op = &facts.operations[0];
    assert_eq!(op.id.as_deref(), Some("listThings"));
    assert_eq!(op.statuses.iter().collect::<Vec<_>>(), ["200"]);
    let size = &op.parameters["query page[size]"];
    assert_eq!(size.limits["maximum"], json!(100));
    assert_eq!(size.required, Some(false));
    assert_eq!(facts.unreadable.len(), 1, "{:?}", facts.unreadable);
    assert!(facts.unreadable[0].why.contains("points nowhere"));

    let thing = &facts.objects["Thing"].fields;
    assert_eq!(thing["name"].required, Some(true));
    assert_eq!(thing["name"].limits["max_length"], json!(30));
    assert_eq!(thing["kind"].values, [json!("a"), json!("b")]);
    assert_eq!(thing["kind"].nullable, Some(true));
    assert_eq!(thing["offer"].of.as_deref(), Some("Offer"));
    assert_eq!(thing["offer"].ty.as_deref(), Some("object"));
    assert_eq!(thing["offer"].nullable, Some(true));
    assert_eq!(thing["value"].ty.as_deref(), Some("string | number"));
    assert_eq!(thing["value"].limits["max_length"], json!(50));
    assert_eq!(
        facts.objects["Thing.items[]"].fields["id"]
            .format
            .as_deref(),
        Some("uuid")
    );
    assert_eq!(facts.examples[0].at, "file.yaml#listThings 200 one");
    assert_eq!(facts.examples[0].operation.as_deref(), Some("listThings"));
    assert_eq!(facts.examples[0].value, json!({"name": "a"}));
}

#[test]
fn recorded_operations_join_the_facts_and_the_output_is_stable() {
    let mut upstream = read("recorded", &[("v1-pages/AccessLevel.md", ACCESS_TABLE)]);
    let recorded = r#"
source = "pages/specs.md"
revision = "abc123"

[[operation]]
spec = "v1"
method = "delete"
path = "/api/v1/profiles/"
statuses = ["204", "404"]
parameter = [{ in = "header", name = "adapty-profile-id", required = false }]
"#;
    upstream::add_recorded_operations(&mut upstream, "ops.toml", recorded).expect("recorded");
    let facts = v1(&upstream);
    assert_eq!(facts.operations[0].method, "DELETE");
    assert_eq!(facts.operations[0].at, ["pages/specs.md"]);
    assert!(
        facts
            .sources
            .iter()
            .any(|s| s.file == "ops.toml" && s.revision.as_deref() == Some("abc123"))
    );
    assert!(
        upstream::add_recorded_operations(
            &mut upstream.clone(),
            "bad.toml",
            &recorded.replace("delete", "FETCH")
        )
        .is_err()
    );

    let out = scratch("recorded-out");
    let written = upstream::write(&out, &upstream).expect("write");
    assert_eq!(written, [out.join("v1.json")]);
    let first = std::fs::read_to_string(&written[0]).expect("read");
    assert_eq!(upstream::load(&written[0]).expect("load"), *facts);
    upstream::write(&out, &upstream).expect("write again");
    assert_eq!(std::fs::read_to_string(&written[0]).expect("read"), first);
    assert!(first.ends_with("}\n"));
}
