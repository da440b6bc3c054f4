//! What the sessions page needs from the Worker (pure): its Content-Security-Policy, how a room
//! is embedded, and which links it may show.

use serde::Serialize;

/// The CSP of the sessions page: only our own scripts, styles and API; frames only from Daily
/// (and the local Daily stand-in when one is configured). Follows Daily's guide for Prebuilt
/// (`frame-src https://*.daily.co`, `script-src … blob:`, `worker-src 'self'`). Replays play
/// from our own recording URL, which redirects to Daily's download link (a signed https URL, or
/// the stand-in's).
pub fn content_security_policy(standin_origin: Option<&str>) -> String {
    let standin = standin_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' blob:; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; frame-src https://*.daily.co{standin}; \
         media-src 'self' https:{standin}; worker-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// How the page opens a room: Daily Prebuilt through daily-js, or the stand-in's room page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Embed {
    DailyPrebuilt,
    Standin,
}

impl Embed {
    /// Rooms on a `*.daily.co` domain are Daily Prebuilt; any other room URL is a stand-in's.
    pub fn for_room_url(url: &str) -> Self {
        let host = url
            .strip_prefix("https://")
            .and_then(|rest| rest.split(['/', '?', '#']).next())
            .unwrap_or_default();
        if host.ends_with(".daily.co") {
            Embed::DailyPrebuilt
        } else {
            Embed::Standin
        }
    }
}

/// A Discord channel link is shown only if it really points at Discord over HTTPS.
pub fn safe_discord_url(url: Option<String>) -> Option<String> {
    url.filter(|u| {
        ["https://discord.com/channels/", "https://discord.gg/"]
            .iter()
            .any(|p| u.starts_with(p))
            && !u.contains(['"', '<', '>', ' '])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_allows_daily_frames_and_only_the_configured_standin() {
        let prod = content_security_policy(None);
        assert!(prod.contains("frame-src https://*.daily.co;"));
        assert!(prod.contains("script-src 'self' blob:;"));
        assert!(prod.contains("frame-ancestors 'none'"));
        assert!(!prod.contains("127.0.0.1"));
        let dev = content_security_policy(Some("http://127.0.0.1:8788"));
        assert!(dev.contains("frame-src https://*.daily.co http://127.0.0.1:8788;"));
        assert!(dev.contains("media-src 'self' https: http://127.0.0.1:8788;"));
        assert!(prod.contains("media-src 'self' https:;"));
    }

    #[test]
    fn daily_rooms_use_prebuilt_and_others_the_standin_page() {
        assert_eq!(
            Embed::for_room_url("https://edgemy.daily.co/edgemy-1"),
            Embed::DailyPrebuilt
        );
        assert_eq!(
            Embed::for_room_url("http://127.0.0.1:8788/edgemy-1"),
            Embed::Standin
        );
        assert_eq!(
            Embed::for_room_url("https://daily.co.evil.example/x"),
            Embed::Standin
        );
        assert_eq!(
            serde_json::to_value(Embed::DailyPrebuilt).unwrap(),
            "daily-prebuilt"
        );
    }

    #[test]
    fn only_discord_links_are_shown() {
        let ok = "https://discord.com/channels/123/456".to_owned();
        assert_eq!(safe_discord_url(Some(ok.clone())), Some(ok));
        assert_eq!(
            safe_discord_url(Some("https://discord.gg/abc".into())).as_deref(),
            Some("https://discord.gg/abc")
        );
        for bad in [
            "javascript:alert(1)",
            "http://discord.gg/x",
            "https://discord.com.evil/x",
        ] {
            assert_eq!(safe_discord_url(Some(bad.into())), None, "{bad}");
        }
        assert_eq!(safe_discord_url(None), None);
    }
}
