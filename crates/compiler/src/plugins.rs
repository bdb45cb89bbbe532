//! DevTools' compiler plugins (`project.config.json` `setting.useCompilerPlugins`): which
//! source languages stand in for JS and WXSS, and so which file a page or component uses.

use serde_json::Value;

/// The plugins a project turns on. Written as names (`["typescript", "less"]`) or as objects
/// (`[{"type": "sass", "option": {...}}]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Plugins {
    pub typescript: bool,
    pub less: bool,
    pub sass: bool,
}

impl Plugins {
    /// From a parsed `project.config.json`.
    pub fn from_project_config(config: Option<&Value>) -> Self {
        let mut out = Self::default();
        let list = config
            .and_then(|c| c.pointer("/setting/useCompilerPlugins"))
            .and_then(Value::as_array);
        for item in list.into_iter().flatten() {
            let name = item
                .as_str()
                .or_else(|| item.get("type").and_then(Value::as_str))
                .unwrap_or("");
            match name.to_ascii_lowercase().as_str() {
                "typescript" | "ts" => out.typescript = true,
                "less" => out.less = true,
                "sass" | "scss" => out.sass = true,
                _ => {}
            }
        }
        out
    }

    /// Script extensions in the order a page's or component's script is looked for. With the
    /// TypeScript plugin `.ts` comes first (DevTools compiles it to the `.js` WeChat runs);
    /// without it, a `.ts` file is still taken when there is no `.js`, since a project whose
    /// only script is TypeScript can mean nothing else.
    pub fn script_exts(self) -> &'static [&'static str] {
        if self.typescript {
            &["ts", "js"]
        } else {
            &["js", "ts"]
        }
    }

    /// Stylesheet extensions in lookup order: a plugin's language first, then WXSS and
    /// FinClip's `.ftss`. Without the plugin, `.less`/`.scss` files are not styles (DevTools
    /// leaves them alone), so a page with only `index.less` then has no style, as in WeChat.
    pub fn style_exts(self) -> &'static [&'static str] {
        match (self.less, self.sass) {
            (true, true) => &["less", "scss", "sass", "wxss", "ftss"],
            (true, false) => &["less", "wxss", "ftss"],
            (false, true) => &["scss", "sass", "wxss", "ftss"],
            (false, false) => &["wxss", "ftss"],
        }
    }
}

/// The module id a script is known by at run time: a `.ts` source becomes the `.js` that
/// DevTools would have written beside it, so `require` and the runtime see only `.js`.
pub fn module_id(path: &str) -> String {
    match path.strip_suffix(".ts") {
        Some(stem) if !path.ends_with(".d.ts") => format!("{stem}.js"),
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_names_and_objects() {
        let p = Plugins::from_project_config(Some(&json!({
            "setting": {"useCompilerPlugins": ["typescript", {"type": "sass", "option": {}}]}
        })));
        assert_eq!(
            p,
            Plugins {
                typescript: true,
                less: false,
                sass: true
            }
        );
        assert_eq!(p.script_exts(), &["ts", "js"]);
        assert_eq!(p.style_exts()[0], "scss");
        assert_eq!(
            Plugins::from_project_config(Some(&json!({"setting": {"useCompilerPlugins": false}}))),
            Plugins::default()
        );
        assert_eq!(module_id("pages/a/a.ts"), "pages/a/a.js");
        assert_eq!(module_id("typings/index.d.ts"), "typings/index.d.ts");
        assert_eq!(module_id("utils/x.js"), "utils/x.js");
    }
}
