//! The response decode path: plain and path-tracking decodes agree, and what decodes writes back
//! and reads again unchanged (`adapty_tests::properties::decode`).
//!
//! Besides libFuzzer's byte mutations, a structure-aware mutator: when the input is JSON (as the
//! seeds are: the documented examples and the decoding corpus), it replaces one value at any
//! depth with a value of another shape (null, booleans, extreme numbers, datetime-like and long
//! strings, empty containers), drops a key, or repeats an array item, so most inputs stay
//! profiles that are almost right, where decoding decisions are made.
#![no_main]

use serde_json::Value;

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    adapty_tests::properties::decode(body);
});

libfuzzer_sys::fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = Rng(u64::from(seed) | 1);
    if rng.below(4) != 0
        && let Ok(mut value) = serde_json::from_slice::<Value>(&data[..size])
    {
        mutate(&mut value, &mut rng);
        if let Ok(bytes) = serde_json::to_vec(&value)
            && bytes.len() <= max_size
        {
            data[..bytes.len()].copy_from_slice(&bytes);
            return bytes.len();
        }
    }
    libfuzzer_sys::fuzzer_mutate(data, size, max_size)
});

/// xorshift64: enough for choosing mutations.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Changes one node of `value`.
fn mutate(value: &mut Value, rng: &mut Rng) {
    let mut pointers = Vec::new();
    collect(value, String::new(), &mut pointers);
    let pointer = pointers[rng.below(pointers.len())].clone();
    let Some(node) = value.pointer_mut(&pointer) else {
        return;
    };
    match rng.below(3) {
        // Drop a key of an object, or repeat an item of an array.
        0 if node.is_object() => {
            let map = node.as_object_mut().expect("an object");
            if let Some(key) = map.keys().nth(rng.below(map.len())).cloned() {
                map.remove(&key);
            }
        }
        0 if node.is_array() => {
            let items = node.as_array_mut().expect("an array");
            if let Some(item) = items.get(rng.below(items.len())).cloned() {
                items.push(item);
            }
        }
        _ => *node = replacement(rng),
    }
}

fn replacement(rng: &mut Rng) -> Value {
    const STRINGS: [&str; 10] = [
        "",
        "2022-10-12T09:42:50.000000+0000",
        "2022-10-12T09:42:50Z",
        "2022-02-30T09:42:50+0000",
        "2022-10-12T23:59:60+00:00",
        "2022-10-12T09:42:50.1234567891-2400",
        "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "Sandbox",
        "voluntarily_cancelled",
        "introductory",
    ];
    match rng.below(9) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::from(i64::MAX),
        3 => Value::from(-1),
        4 => serde_json::json!(109.88999999999999),
        5 => serde_json::json!(1e308),
        6 => Value::from(STRINGS[rng.below(STRINGS.len())]),
        7 => Value::from("x".repeat(rng.below(64))),
        _ => {
            if rng.below(2) == 0 {
                serde_json::json!([])
            } else {
                serde_json::json!({})
            }
        }
    }
}

fn collect(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                collect(
                    inner,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                collect(inner, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}
