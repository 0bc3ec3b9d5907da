//! The end-to-end harness: the real service (with its own database) serving the built app,
//! chromedriver, and a phone-sized headless Chromium driven through WebDriver.
//!
//! The browser is Chromium's headless shell (Debian's `chromium-headless-shell`, Chromium's own
//! build for automation: the same Blink and V8 without the desktop browser around them). The
//! journeys took half the CPU with it (docs/ARCHITECTURE.md, The test command's time); the app's
//! component tests still run in the full Chromium and in Firefox. `CHROMIUM` names another binary.

use std::{net::TcpListener, path::PathBuf, process::Stdio, time::Duration};

use huiquan_server::{Config, OtpOutbox, PartnerClaims, Service, Spawned, sign_partner_token};

/// The partner app the tests play (as JD, UnionPay … would be).
const PARTNER: &str = "e2e";
const PARTNER_SECRET: &str = "e2e-partner-secret-0123456789";
/// The secret the merchants' till keys derive from.
const TILL_SECRET: &str = "e2e-till-secret-0123456789";
use thirtyfour::prelude::*;
use tokio::process::{Child, Command};

pub use thirtyfour;

/// The repository's root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built app. The tests fail, never skip, when it is missing.
pub fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("HUIQUAN_DIST").map(PathBuf::from).unwrap_or_else(|| repo_root().join("dist"));
    assert!(
        dist.join("index.html").is_file(),
        "the built app is missing at {}: run scripts/test.sh (it builds the app first)",
        dist.display()
    );
    dist
}

/// A campaigns directory (for [`BrowserOptions::campaigns`]) holding only campaign `id`'s file,
/// changed by `edit`.
pub fn campaign_edited(id: &str, edit: impl FnOnce(&mut serde_json::Value)) -> tempfile::TempDir {
    let campaigns = tempfile::tempdir().expect("a temp campaigns dir");
    let file = format!("{id}.json");
    let text = std::fs::read_to_string(repo_root().join("data/campaigns").join(&file)).expect("the campaign file");
    let mut campaign: serde_json::Value = serde_json::from_str(&text).expect("json");
    edit(&mut campaign);
    std::fs::write(campaigns.path().join(file), campaign.to_string()).expect("written");
    campaigns
}

/// Everything one end-to-end test needs; dropped at the end of the test.
pub struct Harness {
    pub driver: WebDriver,
    /// Where the app is: the service's origin and its base path, without the last slash
    /// (`http://127.0.0.1:4321` or `http://127.0.0.1:4321/vouchers`).
    pub base: String,
    /// The service's origin alone (permissions are granted to an origin).
    pub origin: String,
    /// One-time codes the service "sent", for signing in as a resident would.
    pub outbox: OtpOutbox,
    service: Spawned,
    chromedriver: Child,
    _data_dir: tempfile::TempDir,
    /// chromedriver's temporary directory, where it makes the browser's profile: deleted with the
    /// harness even when a test fails before chromedriver could delete it.
    _browser_temp_dir: tempfile::TempDir,
}

/// The headless shell where set-up installed it, else the full Chromium (started headless). The
/// shell itself, not Debian's `/usr/bin` script, which starts it without `exec`: chromedriver
/// then ends the script and every test's browser lived on, using CPU.
fn chromium_binary() -> Option<String> {
    std::env::var("CHROMIUM").ok().or_else(|| {
        ["/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium"]
            .into_iter()
            .find(|binary| std::path::Path::new(binary).exists())
            .map(str::to_owned)
    })
}

/// How the browser is set up.
pub struct BrowserOptions {
    /// The browser's preferred languages (`Accept-Language` and `navigator.languages`).
    /// Default: Simplified Chinese first.
    pub languages: &'static str,
    /// Window size in CSS pixels. Default: 390 × 844, a common phone.
    pub window: (u32, u32),
    /// Run the service in demo mode with a release this many minutes away (negative: one
    /// already open). Default `None`: the campaigns on their real dates.
    pub demo_release_in: Option<i64>,
    /// Load the campaign files from this directory instead of `data/campaigns`.
    pub campaigns: Option<PathBuf>,
    /// The clock the service's rules follow (and the app's countdowns, through `/time`), to
    /// play a campaign at a chosen instant of its real dates. Default: the real clock.
    pub rules_clock: Option<huiquan_server::RulesClock>,
    /// Serve the app under this path, as a partner's gateway does (`/vouchers/`). Default: `/`.
    pub base_path: &'static str,
    /// Partner origins that may frame the app (`--frame-ancestors`). Default: none.
    pub frame_ancestors: String,
    /// A WeChat official account's current `jsapi_ticket`: the service then signs `wx.config`
    /// for the AppID [`WECHAT_APP_ID`]. Default: no official account.
    pub wechat_ticket: Option<&'static str>,
    /// A UnionPay app's current `frontToken`: the service then signs `upsdk.config` for the app
    /// [`UNIONPAY_APP_ID`]. Default: no UnionPay app.
    pub unionpay_front_token: Option<&'static str>,
}

/// The official account the service signs for when [`BrowserOptions::wechat_ticket`] is set.
pub const WECHAT_APP_ID: &str = "wx0123456789abcdef";
/// The UnionPay app the service signs for when [`BrowserOptions::unionpay_front_token`] is set.
pub const UNIONPAY_APP_ID: &str = "a5949221470c4059b9b0b45a90c81527";

impl Default for BrowserOptions {
    fn default() -> Self {
        BrowserOptions {
            languages: "zh-CN,zh",
            window: (390, 844),
            demo_release_in: None,
            campaigns: None,
            rules_clock: None,
            base_path: "/",
            frame_ancestors: String::new(),
            wechat_ticket: None,
            unionpay_front_token: None,
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).map(|addr| addr.port()).expect("a free port")
}

impl Harness {
    pub async fn start(options: BrowserOptions) -> Harness {
        let data_dir = tempfile::tempdir().expect("a temp data dir");
        let mut config = Config::local(&repo_root(), data_dir.path().to_owned());
        config.dist = Some(dist_dir());
        config.partner_secrets = format!("{PARTNER}={PARTNER_SECRET}").parse().expect("valid secrets");
        config.till_secret = Some(TILL_SECRET.to_owned());
        let outbox = OtpOutbox::default();
        config.otp_outbox = Some(outbox.clone());
        if let Some(campaigns) = &options.campaigns {
            config.campaigns = campaigns.clone();
        }
        if let Some(clock) = &options.rules_clock {
            config.rules_clock = clock.clone();
        }
        config.base_path = options.base_path.parse().expect("a valid base path");
        config.frame_ancestors = options.frame_ancestors.parse().expect("partner origins");
        if let Some(ticket) = options.wechat_ticket {
            let file = data_dir.path().join("wechat-jsapi-ticket");
            std::fs::write(&file, ticket).expect("the ticket written");
            config.wechat_app_id = Some(WECHAT_APP_ID.to_owned());
            config.wechat_ticket_file = Some(file);
        }
        if let Some(token) = options.unionpay_front_token {
            let file = data_dir.path().join("unionpay-front-token");
            std::fs::write(&file, token).expect("the front token written");
            config.unionpay_app_id = Some(UNIONPAY_APP_ID.to_owned());
            config.unionpay_front_token_file = Some(file);
        }
        if let Some(minutes) = options.demo_release_in {
            config.demo = true;
            config.demo_release_in = minutes;
        }
        let service = Service::start(&config).await.expect("the service starts").spawn().expect("bound");
        let origin = service.base_url();
        let base = format!("{origin}{}", options.base_path.trim_end_matches('/'));

        let chromedriver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        // Not `--user-data-dir`: given one, chromedriver opens no first tab, and the headless shell
        // then has no page to drive. Its own profile directory goes in this one.
        let browser_temp_dir = tempfile::tempdir().expect("a temp dir for the browser");
        let chromedriver = Command::new(&chromedriver_bin)
            .arg(format!("--port={port}"))
            .env("TMPDIR", browser_temp_dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {chromedriver_bin} (scripts/setup.sh installs it): {error}"));
        let driver_url = format!("http://127.0.0.1:{port}");

        let mut caps = DesiredCapabilities::chrome();
        if let Some(binary) = chromium_binary() {
            caps.set_binary(&binary).expect("binary");
        }
        let (width, height) = options.window;
        for arg in [
            // The full Chromium's switch; the headless shell is never anything else.
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--lang={}", options.languages.split(',').next().unwrap_or("zh-CN")),
            format!("--accept-lang={}", options.languages),
        ] {
            caps.add_arg(&arg).expect("arg");
        }
        caps.add_experimental_option("prefs", serde_json::json!({ "intl.accept_languages": options.languages })).expect("prefs");
        // A phone's viewport, touch and pixel ratio (a headless window is never narrower than 500 px).
        caps.add_experimental_option(
            "mobileEmulation",
            serde_json::json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true } }),
        )
        .expect("mobile emulation");

        // chromedriver takes a moment to listen: try for five seconds.
        let mut attempts = 0;
        let driver = loop {
            match WebDriver::new(&driver_url, caps.clone()).await {
                Ok(driver) => break driver,
                Err(_) if attempts < 50 => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("chromedriver at {driver_url} did not start a browser: {error}"),
            }
        };
        // Every Content-Security-Policy violation of every page of the test is kept in the tab's
        // session storage (which lasts across reloads), read by `csp_violations` and `stop`.
        // DevTools-injected, so the policy does not apply to this script itself.
        driver
            .cdp()
            .send_raw("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": RECORD_CSP_VIOLATIONS }))
            .await
            .expect("CSP violations recorded");
        Harness { driver, base, origin, outbox, service, chromedriver, _data_dir: data_dir, _browser_temp_dir: browser_temp_dir }
    }

    /// The paths under `later/` (split-off wasm modules) the page has fetched so far.
    pub async fn later_modules_fetched(&self) -> Vec<String> {
        let fetched = self
            .driver
            .execute(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name)).filter(u => u.origin === location.origin && u.pathname.includes('/later/')).map(u => u.pathname)",
                Vec::new(),
            )
            .await
            .expect("resources")
            .json()
            .clone();
        serde_json::from_value(fetched).expect("a list of paths")
    }

    /// How many stock event streams are open on the service now.
    pub fn open_event_streams(&self) -> usize {
        self.service.open_event_streams()
    }

    /// Waits up to `seconds` for `condition` to hold; panics saying `what` otherwise.
    pub async fn wait_until(&self, seconds: u64, what: &str, condition: impl Fn() -> bool) {
        for _ in 0..seconds * 10 {
            if condition() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("not within {seconds} s: {what}");
    }

    /// The Content-Security-Policy violations the browser reported since the test began, as
    /// `directive blocked-uri sample` lines.
    pub async fn csp_violations(&self) -> Vec<String> {
        // A test that never opened a page is still on the browser's first one (`data:,`), which
        // has no storage and no policy.
        let read = self
            .driver
            .execute("return /^https?:$/.test(location.protocol) ? sessionStorage.getItem('huiquan.e2e.csp') || '[]' : '[]'", Vec::new())
            .await;
        let Ok(read) = read else { return vec!["(the violations could not be read)".to_owned()] };
        let text = read.json().as_str().unwrap_or("[]").to_owned();
        serde_json::from_str(&text).unwrap_or_else(|_| vec![format!("(unreadable: {text})")])
    }

    /// Forgets the violations recorded so far (a test that provokes some on purpose).
    pub async fn forget_csp_violations(&self) {
        let _ = self.driver.execute("sessionStorage.removeItem('huiquan.e2e.csp')", Vec::new()).await;
    }

    /// Waits up to ten seconds for elements matching `css`, and returns them all.
    pub async fn wait_for_all(&self, css: &str) -> Vec<WebElement> {
        self.driver
            .query(By::Css(css))
            .wait(Duration::from_secs(10), Duration::from_millis(100))
            .all_from_selector_required()
            .await
            .unwrap_or_else(|error| panic!("nothing matched {css:?} within 10 s: {error}"))
    }

    /// Waits until the app shows itself: until then the page's first paint (`#shell`) covers its
    /// nodes, which are in the document but hidden (their text reads empty).
    pub async fn wait_until_shown(&self) {
        self.wait_for_script(
            "return document.getElementById('shell') === null",
            "the app did not show itself (the first paint is still there)",
        )
        .await;
    }

    /// Waits until a wallet page is shown: it stays hidden until its own stylesheet
    /// (`wallet.css`, fetched with the page) has loaded, and its nodes are laid out meanwhile.
    pub async fn wait_until_wallet_styled(&self) {
        let script =
            "const page = document.querySelector('.wallet-page'); return page !== null && getComputedStyle(page).visibility === 'visible'";
        self.wait_for_script(script, "the wallet page was not shown (its stylesheet not loaded)").await;
    }

    /// Waits up to ten seconds for `script` to return true; panics with `failure` otherwise.
    async fn wait_for_script(&self, script: &str, failure: &str) {
        for _ in 0..100 {
            let answer = self.driver.execute(script, Vec::new()).await;
            if answer.is_ok_and(|answer| answer.json().as_bool() == Some(true)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("within 10 s: {failure}");
    }

    /// Opens the app as a resident would and goes to `campaign_id`'s page: at once when it is the
    /// only campaign on offer, else by tapping its city in the list.
    pub async fn open_campaign(&self, campaign_id: &str) {
        self.driver.goto(&format!("{}/", self.base)).await.expect("the app loads");
        self.wait_until_shown().await;
        let first = self.wait_for_all("[data-tier], a.campaign-link").await;
        let is_list = first[0].class_name().await.ok().flatten().is_some_and(|class| class.contains("campaign-link"));
        if is_list {
            let link = self.wait_for_all(&format!("a.campaign-link[href='campaigns/{campaign_id}']")).await;
            link[0].click().await.expect("tap the city");
            self.wait_for_all("[data-tier]").await;
        }
    }

    /// Waits up to ten seconds for the first element matching `css` to contain `needle`, and
    /// returns its text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(element) = self.driver.find(By::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css:?} did not say {needle:?} within 10 s; it said {last:?}");
    }

    /// Grants geolocation to the app and puts the browser at this WGS-84 position, through the
    /// DevTools protocol, as a phone's GPS would report it.
    pub async fn set_location(&self, latitude: f64, longitude: f64, accuracy_m: f64) {
        let devtools = self.driver.cdp();
        devtools
            .send_raw("Browser.grantPermissions", serde_json::json!({ "permissions": ["geolocation"], "origin": self.origin }))
            .await
            .expect("geolocation granted");
        devtools
            .send_raw(
                "Emulation.setGeolocationOverride",
                serde_json::json!({ "latitude": latitude, "longitude": longitude, "accuracy": accuracy_m }),
            )
            .await
            .expect("position set");
    }

    /// The one-time code last sent to `phone` (sign-in or link), waiting up to ten seconds for it.
    pub async fn code_sent_to(&self, phone: &str) -> String {
        for _ in 0..100 {
            if let Some(code) = self.outbox.latest(phone) {
                return code;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no code was sent to {phone} within 10 s");
    }

    /// Signs in on the page as a resident: the phone number, the code from the outbox, submit.
    pub async fn sign_in(&self, phone: &str) {
        let input = self.wait_for_all("#sign-in-phone").await;
        input[0].send_keys(phone).await.expect("typed");
        let send = self.driver.find(By::Css("[data-testid=sign-in] button[type=button]")).await.expect("the send button");
        send.click().await.expect("tap send");
        let code = self.code_sent_to(phone).await;
        self.driver.find(By::Id("sign-in-code")).await.expect("code input").send_keys(&code).await.expect("typed");
        self.driver.find(By::Css("[data-testid=sign-in] button[type=submit]")).await.expect("submit").click().await.expect("tap");
        // Signed in: the form says so, or the page takes it away.
        for _ in 0..100 {
            let forms = self.driver.find_all(By::Css("[data-testid=sign-in]")).await.unwrap_or_default();
            match forms.first() {
                None => return,
                Some(form) if form.text().await.unwrap_or_default().contains("已登录") => return,
                Some(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!("signing in as {phone} did not succeed within 10 s");
    }

    /// Scrolls the first element matching `css` to the middle of the screen, then saves a
    /// screenshot (see [`Harness::screenshot`]).
    pub async fn screenshot_at(&self, css: &str, name: &str) -> PathBuf {
        let element = self.wait_for_all(css).await.remove(0);
        let _ = self.driver.execute("arguments[0].scrollIntoView({block: 'center'})", vec![element.to_json().expect("element")]).await;
        self.screenshot(name).await
    }

    /// The address a partner app opens for its signed-in `account`: the campaign's page with a
    /// signed token (real-name verified, ten minutes to live) in the fragment.
    pub fn partner_link(&self, campaign_id: &str, account: &str) -> String {
        format!("{}/campaigns/{campaign_id}#partner_token={}", self.base, self.partner_token(account))
    }

    /// The partner's signed token for its `account` (real-name verified, ten minutes to live),
    /// as a host app hands it over.
    pub fn partner_token(&self, account: &str) -> String {
        sign_partner_token(PARTNER_SECRET.as_bytes(), &PartnerClaims::verified(PARTNER, account, 600))
    }

    /// A session token for the partner's `account`, signed in through the API (another resident
    /// than the browser's).
    pub async fn partner_session(&self, account: &str) -> String {
        let token = sign_partner_token(PARTNER_SECRET.as_bytes(), &PartnerClaims::verified(PARTNER, account, 600));
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/v1/sessions/partner", self.base))
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await
            .expect("the service answers")
            .json()
            .await
            .expect("json");
        answer["token"].as_str().expect("a session").to_owned()
    }

    /// `GET /api/v1{path}` as anyone may call it, read as JSON.
    pub async fn api_json(&self, path: &str) -> serde_json::Value {
        reqwest::get(format!("{}/api/v1{path}", self.base)).await.expect("the service answers").json().await.expect("json")
    }

    /// What `merchant`'s till in `campaign_id` is answered to `POST /api/v1/till/{path}` with `body`.
    pub async fn till(&self, campaign_id: &str, merchant: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        let request = reqwest::Client::new().post(format!("{}/api/v1/till/{path}", self.base)).json(&body);
        self.till_answer(campaign_id, merchant, request).await
    }

    /// What `merchant`'s till in `campaign_id` is answered to `GET /api/v1/till/{path}`.
    pub async fn till_get(&self, campaign_id: &str, merchant: &str, path: &str) -> serde_json::Value {
        self.till_answer(campaign_id, merchant, reqwest::Client::new().get(format!("{}/api/v1/till/{path}", self.base))).await
    }

    async fn till_answer(&self, campaign_id: &str, merchant: &str, request: reqwest::RequestBuilder) -> serde_json::Value {
        let request = request.header("authorization", self.till_authorization(campaign_id, merchant));
        request.send().await.expect("the till is answered").json().await.expect("json")
    }

    /// The `Authorization` header of `merchant`'s till in `campaign_id`.
    pub fn till_authorization(&self, campaign_id: &str, merchant: &str) -> String {
        format!("Till {campaign_id}/{merchant}:{}", huiquan_server::till_key(TILL_SECRET.as_bytes(), campaign_id, merchant))
    }

    /// What sticks out sideways: the page's width and its layout viewport's (`clientWidth`, not
    /// `innerWidth`: a phone zooms a page that is too wide out, and innerWidth grows with it), and
    /// every element or text reaching past the viewport.
    pub async fn sideways(&self) -> (f64, f64, Vec<String>) {
        let found = self
            .driver
            .execute(
                "const width = document.documentElement.clientWidth;
                 const right = (rect) => rect.right + window.scrollX;
                 const wider = [...document.querySelectorAll('body *')].filter(e => right(e.getBoundingClientRect()) > width + 0.5)
                   .map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(right(e.getBoundingClientRect()))} px)`);
                 const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                 for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                   const range = document.createRange();
                   range.selectNodeContents(node);
                   const end = right(range.getBoundingClientRect());
                   if (end > width + 0.5) wider.push(`${JSON.stringify(node.textContent.slice(0, 40))} in ${node.parentElement.className} (${Math.round(end)} px)`);
                 }
                 return [document.documentElement.scrollWidth, width, wider]",
                Vec::new(),
            )
            .await
            .expect("widths")
            .json()
            .clone();
        let wider =
            found[2].as_array().map(|wider| wider.iter().filter_map(|text| text.as_str().map(str::to_owned)).collect()).unwrap_or_default();
        (found[0].as_f64().expect("scroll width"), found[1].as_f64().expect("viewport width"), wider)
    }

    /// Saves a screenshot under `target/screenshots/` for a person to look at.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target")).join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        self.driver.screenshot(&path).await.expect("a screenshot");
        path
    }

    /// Ends the test: the browser must not have refused anything under the CSP.
    pub async fn stop(mut self) {
        let violations = self.csp_violations().await;
        let _ = self.driver.clone().quit().await;
        self.service.stop().await.expect("the service stops cleanly");
        let _ = self.chromedriver.kill().await;
        assert!(violations.is_empty(), "the browser reported Content-Security-Policy violations: {violations:#?}");
    }
}

/// Keeps each `securitypolicyviolation` in the tab's session storage.
const RECORD_CSP_VIOLATIONS: &str = r#"
document.addEventListener("securitypolicyviolation", (event) => {
  const kept = JSON.parse(sessionStorage.getItem("huiquan.e2e.csp") || "[]");
  kept.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample} (${event.sourceFile}:${event.lineNumber})`);
  sessionStorage.setItem("huiquan.e2e.csp", JSON.stringify(kept));
});
"#;
