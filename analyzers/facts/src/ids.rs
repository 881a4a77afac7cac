//! Ids are a contract (tests, JSON consumers and history rely on them): they are built here and
//! nowhere else.
//!
//! - Python symbol: `<dotted module>:<qualname>` (`shop.views.auth:login`, `shop.models:Order.total`)
//! - module: its dotted name, from the file path relative to the analysed root
//! - table: `table:<lowercase name>`, schema kept unless `public` (`table:billing.invoices`)
//! - route: `route:<METHOD> <full path>`

/// Dotted module name of a Python file, from its path relative to the analysed root (with `/`
/// separators): `shop/views/auth.py` → `shop.views.auth`, `shop/__init__.py` → `shop`. A `\`
/// is no separator: in a path seam made it begins an escape (`a\xff.py`, a file name that is
/// not UTF-8), and a separator there would make it the module of `a/xff.py`.
/// The root `__init__.py` (no package) becomes `__init__`.
pub fn module_of_path(rel_path: &str) -> String {
    let stem = rel_path
        .strip_suffix(".py")
        .or_else(|| rel_path.strip_suffix(".pyi"))
        .unwrap_or(rel_path);
    let dotted = stem.replace('/', ".");
    match dotted.strip_suffix(".__init__") {
        Some(package) if !package.is_empty() => package.to_owned(),
        _ => dotted,
    }
}

/// True when the file is a package's `__init__.py`: relative imports then start from the module
/// itself rather than its parent.
pub fn is_package_init(rel_path: &str) -> bool {
    rel_path
        .rsplit('/')
        .next()
        .is_some_and(|f| f == "__init__.py" || f == "__init__.pyi")
}

/// `module:qualname`.
pub fn symbol_id(module: &str, qualname: &str) -> String {
    format!("{module}:{qualname}")
}

/// Normalised table name: lowercase, quotes dropped, `public.` schema dropped.
pub fn table_name(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, '"' | '`' | '[' | ']'))
        .collect();
    let lower = cleaned.trim().to_lowercase();
    match lower.strip_prefix("public.") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => lower,
    }
}

/// `table:<normalised name>`.
pub fn table_id(raw: &str) -> String {
    format!("table:{}", table_name(raw))
}

/// `route:<METHOD> <path>`.
pub fn route_id(method: &str, path: &str) -> String {
    format!("route:{} {}", method.to_uppercase(), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_follow_the_path() {
        assert_eq!(module_of_path("shop/views/auth.py"), "shop.views.auth");
        assert_eq!(module_of_path("shop/__init__.py"), "shop");
        assert_eq!(module_of_path("app.py"), "app");
        assert_eq!(module_of_path("__init__.py"), "__init__");
        assert!(is_package_init("shop/__init__.py"));
        assert!(!is_package_init("shop/init.py"));
    }

    #[test]
    fn tables_are_lowercase_without_public_schema() {
        assert_eq!(table_id("Users"), "table:users");
        assert_eq!(table_id("public.Orders"), "table:orders");
        assert_eq!(table_id("billing.Invoices"), "table:billing.invoices");
        assert_eq!(table_id("\"Line Items\""), "table:line items");
    }

    #[test]
    fn symbols_and_routes() {
        assert_eq!(
            symbol_id("shop.models", "Order.total"),
            "shop.models:Order.total"
        );
        assert_eq!(
            route_id("get", "/users/<int:id>"),
            "route:GET /users/<int:id>"
        );
    }
}
