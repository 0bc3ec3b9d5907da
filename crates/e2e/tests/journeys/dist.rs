//! The built app's files as the service sends them.

use std::path::{Path, PathBuf};

use huiquan_e2e::{dist_dir, repo_root};
use sha2::{Digest, Sha256};

/// Every file of the built app, in every directory, without the brotli and gzip copies.
fn app_files(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).expect("the built app's directory").map(|entry| entry.expect("an entry").path()) {
        if entry.is_dir() {
            files.extend(app_files(&entry));
        } else if !matches!(entry.extension().and_then(|extension| extension.to_str()), Some("br" | "gz")) {
            files.push(entry);
        }
    }
    files
}

/// The hash in a name of the shape the service sends as immutable (`name-<hex>.js`,
/// `name-<hex>_bg.wasm`, `name-<hex>.wasm`).
fn hash_in_name(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_str()?;
    let stem = name.strip_suffix("_bg.wasm").or_else(|| name.strip_suffix(".wasm")).or_else(|| name.strip_suffix(".js"))?;
    let (_, hash) = stem.rsplit_once('-')?;
    (hash.len() >= 10 && hash.bytes().all(|byte| byte.is_ascii_hexdigit())).then(|| hash.to_owned())
}

#[test]
fn each_hashed_file_is_named_after_what_it_holds() {
    // Regression: Trunk hashed the wasm and its JS before the build's last rewrites of them, so a
    // comment's edit renamed a wasm whose every byte was the same, and each returning resident
    // downloaded it again (the service sends such names as never changing, for a year).
    let dist = dist_dir();
    let hashed: Vec<(PathBuf, String)> =
        app_files(&dist).into_iter().filter_map(|file| Some((file.clone(), hash_in_name(&file)?))).collect();
    assert!(hashed.iter().any(|(file, _)| file.to_string_lossy().ends_with("_bg.wasm")), "the app's wasm is among {hashed:?}");
    assert!(
        hashed.iter().any(|(file, _)| file.parent().is_some_and(|parent| parent.ends_with("later"))),
        "the split-off modules are among {hashed:?}"
    );
    for (file, hash) in &hashed {
        let digest = Sha256::digest(std::fs::read(file).expect("readable"));
        let content_hash: String = digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(hash, &content_hash, "{} is not named after its content", file.display());
    }
}

#[test]
fn the_page_and_the_split_loader_name_only_files_that_exist() {
    let dist = dist_dir();
    for namer in ["index.html", "__wasm_split.js"] {
        let text = std::fs::read_to_string(dist.join(namer)).expect("built");
        let named: Vec<&str> = text
            .split(['"', '`', '\'', '(', ')', ' '])
            .map(|word| word.trim_start_matches("./"))
            .filter(|word| {
                (word.starts_with("huiquan-") || word.starts_with("later/")) && (word.ends_with(".js") || word.ends_with(".wasm"))
            })
            .collect();
        assert!(!named.is_empty(), "{namer} names the app's files");
        for file in named {
            assert!(dist.join(file).is_file(), "{namer} names {file}, which the build did not write");
        }
    }
}

/// `text` with its `%XX` escapes decoded (a data: address's body).
fn percent_decoded(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        let escaped =
            (byte == b'%').then(|| tail.get(..2)).flatten().and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(decoded) => {
                bytes.push(decoded);
                rest = &tail[2..];
            }
            None => {
                bytes.push(byte);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).expect("UTF-8")
}

#[test]
fn the_page_carries_its_icon_instead_of_linking_the_file() {
    // The first visit fetched icon.svg on its own (156 bytes brotli and a request on a slow
    // network); scripts/inline-icon.py writes it into the page, and this fails if it stops.
    let page = std::fs::read_to_string(dist_dir().join("index.html")).expect("built");
    assert!(!page.contains("icon.svg"), "index.html still links icon.svg");
    let (_, after) = page.split_once("<link rel=icon href=\"data:image/svg+xml,").expect("the icon's data: address in index.html");
    let (address, _) = after.split_once('"').expect("the address ends");
    let icon = std::fs::read_to_string(repo_root().join("public/icon.svg")).expect("the icon");
    assert_eq!(percent_decoded(address), icon.trim().replace('"', "'"), "the page's icon is public/icon.svg");
}
