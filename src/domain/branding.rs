//! The look of a booking page, shared by hosts and teams: a picture (a
//! host's avatar, a team's logo) and accent colours for light and dark mode.
//! One rule set for both, so a colour a host may use a team may use too.

use super::{ValidationError, check_url, invalid, is_hex_colour};

/// Checks a page's branding. `picture` is the picture's field name and
/// value; it must be `https://` (pages load it from the invitee's browser,
/// which must not be sent to plain http). Colours are `#rrggbb`: they go
/// into the pages' CSS as they are.
pub fn check_branding(
    picture: (&str, Option<&str>),
    brand_color: Option<&str>,
    brand_color_dark: Option<&str>,
) -> Result<(), ValidationError> {
    if let (field, Some(url)) = picture {
        check_url(field, url, true)?;
    }
    for (field, colour) in [
        ("brand_color", brand_color),
        ("brand_color_dark", brand_color_dark),
    ] {
        if colour.is_some_and(|c| !is_hex_colour(c)) {
            return invalid(field, "must be a colour written #rrggbb");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_branding;

    #[test]
    fn branding_names_the_field_at_fault() {
        assert!(
            check_branding(
                ("logo_url", Some("https://x.example/l.png")),
                Some("#a1B2c3"),
                None
            )
            .is_ok()
        );
        let field = |r: Result<(), super::ValidationError>| r.expect_err("refused").field;
        assert_eq!(
            field(check_branding(
                ("logo_url", Some("http://x.example/l.png")),
                None,
                None
            )),
            "logo_url"
        );
        assert_eq!(
            field(check_branding(("avatar_url", None), Some("red"), None)),
            "brand_color"
        );
        assert_eq!(
            field(check_branding(("avatar_url", None), None, Some("#12345"))),
            "brand_color_dark"
        );
    }
}
