//! A readable summary of a generated module's public API: what the spec means for users.
//!
//! The generated file itself is thousands of lines of serde plumbing and builders; this summary
//! lists only the data types (each struct's fields with their Rust types, each enum's variants) and
//! the client's operations. It is committed beside the generated code and guarded by the same
//! `--check`, so a spec change shows up in review as a short, readable diff.

use std::fmt::Write as _;

use syn::{Fields, ImplItem, Item, Type, Visibility};

/// The summary of a generated file (as `prettyplease` wrote it).
pub fn summarize(spec: &str, file: &syn::File) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The public API generated from {spec}:\n\
         # data types (fields and their Rust types) and operations.\n\
         # Written by `cargo xtask generate`; review its diff, never edit it.\n"
    );
    let mut operations = Vec::new();
    for item in &file.items {
        match item {
            Item::Mod(module) if module.ident == "types" => {
                let items = module.content.as_ref().map(|(_, items)| items.as_slice());
                for item in items.unwrap_or_default() {
                    data_type(&mut out, item);
                }
            }
            // The operations: the client's public methods with a doc summary, but the
            // constructors.
            Item::Impl(block) if is_client(&block.self_ty) && block.trait_.is_none() => {
                for item in &block.items {
                    if let ImplItem::Fn(function) = item
                        && matches!(function.vis, Visibility::Public(_))
                    {
                        let summary = doc_first_line(&function.attrs);
                        let constructor = ["new", "new_with_client"]
                            .iter()
                            .any(|name| function.sig.ident == name);
                        if !summary.is_empty() && !constructor {
                            operations.push(format!("    {}: {summary}", function.sig.ident));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let _ = writeln!(out, "operations of Client");
    for operation in operations {
        let _ = writeln!(out, "{operation}");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn is_client(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.is_ident("Client"))
}

fn data_type(out: &mut String, item: &Item) {
    match item {
        Item::Struct(s) if matches!(s.vis, Visibility::Public(_)) => {
            match &s.fields {
                Fields::Named(fields) => {
                    let _ = writeln!(out, "struct {}", s.ident);
                    for field in &fields.named {
                        let name = field.ident.as_ref().map(ToString::to_string);
                        let _ = writeln!(
                            out,
                            "    {}: {}",
                            name.unwrap_or_default(),
                            render(&field.ty)
                        );
                    }
                }
                Fields::Unnamed(fields) => {
                    let types: Vec<String> = fields.unnamed.iter().map(|f| render(&f.ty)).collect();
                    let _ = writeln!(out, "struct {}({})", s.ident, types.join(", "));
                }
                Fields::Unit => {
                    let _ = writeln!(out, "struct {}", s.ident);
                }
            }
            out.push('\n');
        }
        Item::Enum(e) if matches!(e.vis, Visibility::Public(_)) => {
            let _ = writeln!(out, "enum {}", e.ident);
            for variant in &e.variants {
                match &variant.fields {
                    Fields::Unnamed(fields) => {
                        let types: Vec<String> =
                            fields.unnamed.iter().map(|f| render(&f.ty)).collect();
                        let _ = writeln!(out, "    {}({})", variant.ident, types.join(", "));
                    }
                    _ => {
                        let _ = writeln!(out, "    {}", variant.ident);
                    }
                }
            }
            out.push('\n');
        }
        _ => {}
    }
}

/// A type as a user would write it: `Option<Vec<AccessLevel>>`, `crate::Timestamp`.
fn render(ty: &Type) -> String {
    let text = quote_type(ty);
    let mut text = text
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",");
    for prefix in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::collections::",
        "::serde_json::",
        "::chrono::",
        "::uuid::",
    ] {
        text = text.replace(prefix, "");
    }
    text
}

fn quote_type(ty: &Type) -> String {
    use quote::ToTokens as _;
    ty.to_token_stream().to_string()
}

fn doc_first_line(attrs: &[syn::Attribute]) -> String {
    for attr in attrs {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && nv.path.is_ident("doc")
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &nv.value
        {
            let text = text.value();
            let line = text.trim().lines().next().unwrap_or_default().trim();
            if !line.is_empty() {
                return line.to_owned();
            }
        }
    }
    String::new()
}
