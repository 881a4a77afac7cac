//! Flask endpoint names. A view registered on a blueprint gets `blueprint.local`, nested
//! blueprints `outer.inner.local`; the local part is the explicit `endpoint=`, else the view
//! function's `__name__` (for `Cls.as_view("name")`, that name). Flask-RESTful names a resource
//! by its lowercased class name; Flask-RESTX by `camel_to_dash` of it, after `namespace_`.

use super::*;

impl LocalEndpoint {
    pub(super) fn full(&self, mount: &Mount) -> String {
        let local = match self {
            LocalEndpoint::Named(n) => n.clone(),
            LocalEndpoint::Resource(class) => match &mount.namespace {
                Some(ns) => format!("{ns}_{}", camel_to_dash(class)),
                None => class.to_lowercase(),
            },
        };
        if mount.names.is_empty() {
            local
        } else {
            format!("{}.{local}", mount.names)
        }
    }
}

/// Flask-RESTX's `camel_to_dash`: `FooBarHTTP` → `foo_bar_http`.
pub(super) fn camel_to_dash(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev != '_' && (prev.is_lowercase() || prev.is_ascii_digit() || next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

impl<'a> Resolver<'_, 'a> {
    /// The `__name__` of what a view expression denotes: a function's or class's name, or the
    /// name given to `as_view(...)` (a literal, or `Cls.__name__`).
    pub(super) fn view_name(
        &self,
        u: usize,
        scope: &str,
        e: &Expr,
        env: &Env<'a>,
        depth: u32,
    ) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match e {
            Expr::Call { callee, args } if callee.ends_with(".as_view") => {
                let name = positional(args, 0).or_else(|| keyword(args, "name"))?;
                self.name_value(u, scope, name, env, depth + 1)
            }
            Expr::Subscript { value, key } if value == "globals()" || value == "globals" => self
                .eval_strings(u, scope, key, env, depth + 1)
                .into_iter()
                .next(),
            Expr::Name(n) => {
                if let Some(Bound::One(be, bu, bs, benv)) = env.get(n.as_str()) {
                    return self.view_name(*bu, bs, be, benv, depth + 1);
                }
                let locals = self.local_assigns(u, scope, n);
                let best = locals
                    .iter()
                    .find(|a| matches!(&a.value, Expr::Call { callee, .. } if callee.ends_with(".as_view")))
                    .or_else(|| locals.first());
                if let Some(assign) = best
                    && assign.kind == seam_facts::python::AssignKind::Plain
                {
                    return self.view_name(u, scope, &assign.value, env, depth + 1);
                }
                match self.ix.resolve(u, scope, n) {
                    Value::Def(du, dd) => {
                        Some(last_segment(&self.units[du].facts.defs[dd].qualname).to_owned())
                    }
                    Value::Var(vu, va) => {
                        let assign = &self.units[vu].facts.assigns[va];
                        self.view_name(vu, &assign.scope, &assign.value, &Env::default(), depth + 1)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A name given as a string: a literal or constant, or `X.__name__`.
    pub(super) fn name_value(
        &self,
        u: usize,
        scope: &str,
        e: &Expr,
        env: &Env<'a>,
        depth: u32,
    ) -> Option<String> {
        if let Expr::Name(n) = e
            && let Some(owner) = n.strip_suffix(".__name__")
        {
            return self.view_name(u, scope, &Expr::Name(owner.into()), env, depth + 1);
        }
        if let Expr::Call { callee, args } = e
            && callee == "str"
            && let Some(inner) = positional(args, 0)
        {
            return self.name_value(u, scope, inner, env, depth + 1);
        }
        self.eval_strings(u, scope, e, env, depth + 1)
            .into_iter()
            .next()
    }
}

#[cfg(test)]
mod tests {
    use super::camel_to_dash;

    #[test]
    fn restx_endpoint_names() {
        assert_eq!(camel_to_dash("TodoList"), "todo_list");
        assert_eq!(camel_to_dash("HTTPResource"), "http_resource");
        assert_eq!(camel_to_dash("Item2Resource"), "item2_resource");
    }
}
