//! 代领 on the wallet page: linking an elderly relative's account (they read out the code their
//! phone receives), the links on either side with a way to end each, and the ways to claim for a
//! relative (the campaigns, with `?for=` in the address; `crate::family` does the rest) and to see
//! their wallet. Part of the wallet pages' module, so its words are a catalogue of their own here:
//! the claim page's download carries none of them.

use huiquan_core::{
    Lang,
    api::{Links, ProxyLink},
};
use leptos::prelude::*;

use crate::{
    api::{self, ApiError},
    clock::use_server_clock,
    components::normalized_phone,
    i18n::use_i18n,
    scoped::until_cleanup,
    session::use_session,
};

/// The family section's sentences in one language.
pub struct FamilyWords {
    pub title: &'static str,
    pub explain: &'static str,
    pub relatives: &'static str,
    pub carers: &'static str,
    pub claim_for: &'static str,
    pub their_wallet: &'static str,
    pub unlink: &'static str,
    pub unlink_label: fn(who: &str) -> String,
    pub add: &'static str,
    pub phone: &'static str,
    pub send_code: &'static str,
    pub code_sent: &'static str,
    pub code: &'static str,
    pub link: &'static str,
    pub linked: fn(who: &str) -> String,
    pub unlinked: fn(who: &str) -> String,
    pub too_many: &'static str,
    pub not_self: &'static str,
    pub relative_wallet: &'static str,
}

const ZH_HANS: FamilyWords = FamilyWords {
    title: "代领：帮家人领券",
    explain: "输入家人的手机号，TA会收到验证码，请TA把验证码告诉你。关联后你可以替TA领券、看TA的券包，券算TA的名额。你们两人都可以随时解除关联。",
    relatives: "我替这些家人领",
    carers: "替我领券的家人",
    claim_for: "替TA领券",
    their_wallet: "TA的券包",
    unlink: "解除关联",
    unlink_label: |who| format!("解除与 {who} 的关联"),
    add: "关联一位家人",
    phone: "家人的手机号",
    send_code: "给家人发验证码",
    code_sent: "验证码已发到家人的手机，请TA告诉你。",
    code: "家人收到的验证码",
    link: "确认关联",
    linked: |who| format!("已关联 {who}。"),
    unlinked: |who| format!("已解除与 {who} 的关联。"),
    too_many: "关联的家人已经够多了：一人最多替 5 位家人领，一位家人最多由 3 人代领。",
    not_self: "这是你自己的手机号。",
    relative_wallet: "家人的券包",
};

const EN: FamilyWords = FamilyWords {
    title: "Claim for a relative",
    explain: "Enter your relative's mobile number: their phone gets a code, which they read out to you. Once linked, you can claim vouchers for them and see their wallet; the vouchers count against their limits. Either of you can unlink at any time.",
    relatives: "I claim for",
    carers: "They claim for me",
    claim_for: "Claim for them",
    their_wallet: "Their wallet",
    unlink: "Unlink",
    unlink_label: |who| format!("Unlink {who}"),
    add: "Link a relative",
    phone: "Your relative's mobile number",
    send_code: "Send my relative a code",
    code_sent: "The code is on its way to your relative's phone: ask them to read it out.",
    code: "The code your relative got",
    link: "Link",
    linked: |who| format!("Linked to {who}."),
    unlinked: |who| format!("Unlinked from {who}."),
    too_many: "That is as many links as allowed: up to 5 relatives each, and 3 people claiming for one relative.",
    not_self: "That is your own number.",
    relative_wallet: "Your relative's wallet",
};

pub fn family_words(lang: Lang) -> &'static FamilyWords {
    match lang {
        Lang::En => &EN,
        _ => &ZH_HANS,
    }
}

/// What the section asks of the service: the phone as typed.
#[derive(Clone)]
enum FamilyStep {
    SendCode(String),
    Link { phone: String, code: String },
    Unlink(ProxyLink),
}

/// How a step went, put in words when shown (so a language switch redraws it).
#[derive(Clone)]
enum FamilyOutcome {
    CodeSent,
    Linked(String),
    Unlinked(String),
    BadPhone,
    Failed(ApiError),
}

/// The resident's links, and linking a relative by their code. Shown on their own wallet page.
#[component]
pub fn FamilySection() -> impl IntoView {
    let i18n = use_i18n();
    let words = move || family_words(i18n.lang());
    let session = use_session();
    let clock = use_server_clock();
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // Every change the section makes, one at a time; the links are read again after each.
    let step = Action::new_local(move |step: &FamilyStep| {
        let (step, token) = (step.clone(), session.token(clock.now_ms()));
        async move {
            let Some(token) = token else { return FamilyOutcome::Failed(ApiError::Refused { status: 401, problem: None }) };
            let outcome = match step {
                FamilyStep::SendCode(typed) => match normalized_phone(&typed) {
                    Some(number) => api::send_link_code(&token, &number).await.map(|_| FamilyOutcome::CodeSent),
                    None => Ok(FamilyOutcome::BadPhone),
                },
                FamilyStep::Link { phone, code } => match normalized_phone(&phone) {
                    Some(number) => api::link(&token, &number, code.trim()).await.map(|link| FamilyOutcome::Linked(link.hint)),
                    None => Ok(FamilyOutcome::BadPhone),
                },
                FamilyStep::Unlink(link) => api::unlink(&token, link.resident).await.map(|()| FamilyOutcome::Unlinked(link.hint)),
            };
            outcome.unwrap_or_else(FamilyOutcome::Failed)
        }
    });
    let links = LocalResource::new(move || {
        step.version().track();
        let token = session.token(clock.now_ms());
        until_cleanup(async move {
            match token {
                Some(token) => api::links(&token).await,
                None => Ok(Links::default()),
            }
        })
    });
    let message = move || {
        let (t, w) = (i18n.t(), words());
        step.value().get().map(|outcome| match outcome {
            FamilyOutcome::CodeSent => w.code_sent.to_owned(),
            FamilyOutcome::Linked(who) => (w.linked)(&who),
            FamilyOutcome::Unlinked(who) => (w.unlinked)(&who),
            FamilyOutcome::BadPhone => t.sign_in_bad_phone.to_owned(),
            FamilyOutcome::Failed(error) => match (error.code(), &error) {
                (Some("wrong_code" | "invalid_code" | "too_many_attempts"), _) => t.sign_in_wrong_code.to_owned(),
                (Some("invalid_identifier"), _) => t.sign_in_bad_phone.to_owned(),
                (Some("too_many_links"), _) => w.too_many.to_owned(),
                (Some("cannot_link_self"), _) => w.not_self.to_owned(),
                (_, ApiError::Refused { status: 429, .. }) => t.failed_rate_limited.to_owned(),
                (_, ApiError::Network) => t.error_network.to_owned(),
                _ => t.error_server.to_owned(),
            },
        })
    };
    let send_code = move |_| {
        step.dispatch(FamilyStep::SendCode(phone.get_untracked()));
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        step.dispatch(FamilyStep::Link { phone: phone.get_untracked(), code: code.get_untracked() });
    };
    // Claiming for a relative: chosen here, then the campaigns (`crate::family`).
    let claiming_for = crate::family::use_claiming_for();
    let choose = move |link: ProxyLink| {
        move |_| {
            if let Some(carer) = session.resident_untracked() {
                claiming_for.choose(Some(crate::family::Relative { carer, resident: link.resident, hint: link.hint.clone() }));
            }
        }
    };
    let link_list = move |title: fn(&FamilyWords) -> &'static str, testid: &'static str, as_carer: bool, list: Vec<ProxyLink>| {
        (!list.is_empty()).then(|| {
            view! {
                <h3>{move || title(words())}</h3>
                <ul class="links" data-testid=testid>
                    {list.into_iter().map(|link| {
                        let hint = link.hint.clone();
                        let label = move || (words().unlink_label)(&hint);
                        let unlink = link.clone();
                        view! {
                            <li class="link">
                                <span class="link-who">{link.hint.clone()}</span>
                                {as_carer.then(|| view! {
                                    <a class="button" href="./" on:click=choose(link.clone())>{move || words().claim_for}</a>
                                    <a class="button secondary" href=format!("wallet?for={}", link.resident)>{move || words().their_wallet}</a>
                                })}
                                <button type="button" class="button secondary" aria-label=label disabled=move || step.pending().get()
                                    on:click=move |_| { step.dispatch(FamilyStep::Unlink(unlink.clone())); }>
                                    {move || words().unlink}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
        })
    };
    view! {
        // Laid out as the sign-in card is: the same form, the same fields.
        <section class="sign-in family" aria-labelledby="family-title" data-testid="family">
            <h2 id="family-title">{move || words().title}</h2>
            {move || match links.get() {
                Some(Ok(links)) => Some(view! {
                    {link_list(|w| w.relatives, "relatives", true, links.relatives)}
                    {link_list(|w| w.carers, "carers", false, links.carers)}
                }.into_any()),
                Some(Err(error)) => Some(view! { <crate::components::ErrorView error on_retry=move || links.refetch() /> }.into_any()),
                None => None,
            }}
            <h3>{move || words().add}</h3>
            <p class="note">{move || words().explain}</p>
            <form on:submit=submit>
                <label for="family-phone">{move || words().phone}</label>
                <input id="family-phone" type="tel" inputmode="numeric" autocomplete="off" bind:value=phone />
                <button type="button" class="button secondary" disabled=move || step.pending().get() on:click=send_code>
                    {move || words().send_code}
                </button>
                <label for="family-code">{move || words().code}</label>
                <input id="family-code" type="text" inputmode="numeric" autocomplete="off" bind:value=code />
                <button type="submit" class="button" disabled=move || step.pending().get()>{move || words().link}</button>
            </form>
            <p role="status" aria-live="polite" data-testid="family-status">{move || message()}</p>
        </section>
    }
}
