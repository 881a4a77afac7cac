//! Routes of class-based view frameworks, read through declarative models: one file per
//! framework (`appbuilder.rs`, `classful.rs`, `admin.rs`) holds a [`model::Framework`] —
//! its base classes with their URL templates and the endpoints they contribute, its route
//! decorators, its registration calls, its method-name conventions. This engine knows no
//! framework by name: a class is a framework view when one of its bases (through repository
//! bases) resolves to an external name under the framework's packages; its routes exist
//! once a registration call binds it.
//!
//! Evidence: a route of a decorated (or convention-routed) method is evidenced at the
//! method; a route a framework base contributes, at the registration call.

use std::collections::BTreeMap;

use seam_facts::python::{Arg, AssignKind, DefKind, Expr, Name};
use seam_facts::{Diagnostic, Severity};

use super::{MAX_DEPTH, Resolver, View, join_path, keyword, positional, strings};
use crate::resolve::dotted::{last_segment, receiver_of};
use crate::resolve::index::parent_scope;
use crate::resolve::names::Value;

mod admin;
mod appbuilder;
mod classful;
pub(crate) mod model;

use model::{Base, Framework, Registration, Source, ViewArg};

/// Every modelled framework. A new framework is one more file and one more line here.
const FRAMEWORKS: &[&Framework] = &[
    &appbuilder::FRAMEWORK,
    &classful::FRAMEWORK,
    &admin::FRAMEWORK,
];

/// How deep `{var}` templates and `Under` sources nest.
const MAX_TEMPLATE_DEPTH: u32 = 4;

/// A repository class deriving a framework's bases.
#[derive(Debug)]
struct FrameworkClass {
    fw: usize,
    bases: Vec<&'static Base>,
}

/// A registered view: a repository class, or a framework class used directly
/// (`ModelView(User, db.session)`), with its constructor arguments when it is an instance.
#[derive(Debug, Clone, Copy)]
struct Target<'a> {
    class: Option<(usize, usize)>,
    external: Option<&'static Base>,
    ctor: Option<(&'a [Arg], usize, &'a str)>,
}

/// What the URL sources of one registration read.
struct Ctx<'c, 'a> {
    class: Option<(usize, usize)>,
    class_name: &'c str,
    registration: &'a [Arg],
    ctor: Option<(&'a [Arg], usize, &'a str)>,
    receiver_args: Option<&'a [Arg]>,
    base: &'static Base,
}

impl<'a> Resolver<'_, 'a> {
    /// Routes of every registered framework view; warnings for what could not be derived.
    pub(super) fn framework_routes(&mut self) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        let classes = self.framework_classes();
        let units = self.units;
        let mut registered: BTreeMap<(usize, usize), u32> = BTreeMap::new();
        for (u, unit) in units.iter().enumerate() {
            for call in &unit.facts.calls {
                let method = last_segment(&call.callee);
                for (f, fw) in FRAMEWORKS.iter().enumerate() {
                    for reg in fw.registrations.iter().filter(|r| r.method == method) {
                        let receiver = receiver_of(&call.callee);
                        let receiver_ctor =
                            receiver.and_then(|r| self.constructor_of(u, &call.scope, r, 0));
                        let on_framework = receiver_ctor
                            .as_ref()
                            .is_some_and(|(name, _)| in_packages(name, fw.packages));
                        let views = view_exprs(reg, &call.args[..], receiver);
                        let mut bound = 0;
                        for &e in &views {
                            let Some(t) = self.target(u, &call.scope, e, f, &classes, 0) else {
                                continue;
                            };
                            bound += 1;
                            if let Some(c) = t.class {
                                *registered.entry(c).or_default() += 1;
                            }
                            let ctx_receiver = receiver_ctor.as_ref().map(|(_, args)| *args);
                            self.register_view(
                                fw,
                                reg,
                                t,
                                &classes,
                                (u, call.scope.as_str(), &call.args[..], call.line),
                                ctx_receiver,
                                &mut diagnostics,
                            );
                        }
                        if bound == 0 && on_framework && !views_are_strings(&views) {
                            diagnostics.push(Diagnostic::new(
                                &unit.file.rel,
                                call.line,
                                Severity::Warning,
                                format!(
                                    "{} registration `{}` names no view class seam can bind; its routes are not read",
                                    fw.name, call.callee
                                ),
                            ).with_check("view-unbound"));
                        }
                    }
                }
            }
        }
        self.attribute_registrations(&classes, &mut diagnostics);
        self.stray_decorators(&classes, &mut diagnostics);
        diagnostics
    }

    /// Views registered as class attributes of a framework class's subclass
    /// (`class SecurityManager(...): authdbview = MyAuthDBView`).
    fn attribute_registrations(
        &mut self,
        classes: &BTreeMap<(usize, usize), FrameworkClass>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let units = self.units;
        for (f, fw) in FRAMEWORKS.iter().enumerate() {
            for reg in fw.registrations {
                let ViewArg::ClassAttribute { owners, attrs } = reg.view else {
                    continue;
                };
                for (u, unit) in units.iter().enumerate() {
                    for (d, def) in unit.facts.defs.iter().enumerate() {
                        if def.kind != DefKind::Class {
                            continue;
                        }
                        let owned = self.ix.all_bases(u, d).iter().any(|v| {
                            matches!(v, Value::External(e)
                                if in_packages(e, fw.packages) && owners.contains(&last_segment(e)))
                        });
                        if !owned {
                            continue;
                        }
                        for a in &unit.facts.assigns {
                            if a.scope != def.qualname
                                || a.kind != AssignKind::Plain
                                || a.targets.len() != 1
                                || !attrs.contains(&a.targets[0].as_str())
                            {
                                continue;
                            }
                            let Some(t) =
                                self.target(u, &a.scope, ViewRef::Expr(&a.value), f, classes, 0)
                            else {
                                continue;
                            };
                            self.register_view(
                                fw,
                                reg,
                                t,
                                classes,
                                (u, a.scope.as_str(), &[], a.line),
                                None,
                                diagnostics,
                            );
                        }
                    }
                }
            }
        }
    }

    /// Repository classes whose bases (through repository bases) include a modelled
    /// framework base; the first framework found wins.
    fn framework_classes(&self) -> BTreeMap<(usize, usize), FrameworkClass> {
        let mut out = BTreeMap::new();
        for (u, unit) in self.units.iter().enumerate() {
            for (d, def) in unit.facts.defs.iter().enumerate() {
                if def.kind != DefKind::Class {
                    continue;
                }
                let mut found: Option<FrameworkClass> = None;
                for v in self.ix.all_bases(u, d) {
                    let Value::External(name) = v else { continue };
                    let Some((f, base)) = framework_base(&name) else {
                        continue;
                    };
                    match &mut found {
                        None => {
                            found = Some(FrameworkClass {
                                fw: f,
                                bases: vec![base],
                            })
                        }
                        Some(fc) if fc.fw == f => {
                            if !fc.bases.iter().any(|b| std::ptr::eq(*b, base)) {
                                fc.bases.push(base);
                            }
                        }
                        Some(_) => {}
                    }
                }
                if let Some(fc) = found {
                    out.insert((u, d), fc);
                }
            }
        }
        out
    }

    /// The external constructor a name is bound to (`admin = Admin(app, url=...)`): its
    /// dotted name and arguments.
    fn constructor_of(
        &self,
        u: usize,
        scope: &str,
        name: &str,
        depth: u32,
    ) -> Option<(Name, &'a [Arg])> {
        if depth > MAX_DEPTH {
            return None;
        }
        let Value::Var(vu, va) = self.ix.resolve(u, scope, name) else {
            return None;
        };
        let assign = &self.units[vu].facts.assigns[va];
        if assign.kind != AssignKind::Plain {
            return None;
        }
        match &assign.value {
            Expr::Call { callee, args } => match self.ix.resolve(vu, &assign.scope, callee) {
                Value::External(e) => Some((e, &args[..])),
                _ => None,
            },
            Expr::Name(n) => self.constructor_of(vu, &assign.scope, n, depth + 1),
            _ => None,
        }
    }

    /// The framework view an expression denotes, for framework `f`.
    fn target(
        &self,
        u: usize,
        scope: &'a str,
        e: ViewRef<'a>,
        f: usize,
        classes: &BTreeMap<(usize, usize), FrameworkClass>,
        depth: u32,
    ) -> Option<Target<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (name, ctor) = match e {
            ViewRef::Name(n) => (n, None),
            ViewRef::Expr(Expr::Name(n)) => (n.as_str(), None),
            ViewRef::Expr(Expr::Call { callee, args }) => {
                (callee.as_str(), Some((&args[..], u, scope)))
            }
            _ => return None,
        };
        match self.ix.resolve(u, scope, name) {
            Value::Def(cu, cd) => classes
                .get(&(cu, cd))
                .filter(|fc| fc.fw == f)
                .map(|_| Target {
                    class: Some((cu, cd)),
                    external: None,
                    ctor,
                }),
            Value::External(ext) => match framework_base(&ext) {
                Some((ef, base)) if ef == f => Some(Target {
                    class: None,
                    external: Some(base),
                    ctor,
                }),
                _ => None,
            },
            Value::Var(vu, va) if ctor.is_none() => {
                let assign = &self.units[vu].facts.assigns[va];
                if assign.kind != AssignKind::Plain {
                    return None;
                }
                self.target(
                    vu,
                    &assign.scope,
                    ViewRef::Expr(&assign.value),
                    f,
                    classes,
                    depth + 1,
                )
            }
            _ => None,
        }
    }

    /// The routes of one registered view.
    #[allow(clippy::too_many_arguments)]
    fn register_view(
        &mut self,
        fw: &'static Framework,
        reg: &Registration,
        t: Target<'a>,
        classes: &BTreeMap<(usize, usize), FrameworkClass>,
        (u, scope, reg_args, line): (usize, &str, &'a [Arg], u32),
        receiver_args: Option<&'a [Arg]>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let reg_file = self.units[u].file.rel.clone();
        let bases: Vec<&'static Base> = match (t.class, t.external) {
            (Some(c), _) => classes
                .get(&c)
                .map(|fc| fc.bases.clone())
                .unwrap_or_default(),
            (None, Some(b)) => vec![b],
            _ => return,
        };
        let Some(&base) = bases.first() else { return };
        let class_name = match (t.class, t.external) {
            (Some((cu, cd)), _) => last_segment(&self.units[cu].facts.defs[cd].qualname),
            (None, Some(b)) => b.classes.first().copied().unwrap_or(""),
            _ => "",
        };
        let ctx = Ctx {
            class: t.class,
            class_name,
            registration: reg_args,
            ctor: t.ctor,
            receiver_args,
            base,
        };
        let url = match self.first_of(base.url, &ctx, 0) {
            Ok(Some(url)) => url,
            Ok(None) | Err(_) => {
                let (file, l, what) = match t.class {
                    Some((cu, cd)) => (
                        self.units[cu].file.rel.clone(),
                        self.units[cu].facts.defs[cd].line,
                        format!("`{class_name}`"),
                    ),
                    None => (reg_file.clone(), line, format!("this `{class_name}`")),
                };
                let why = match self.first_of(base.url, &ctx, 0) {
                    Err(why) => why,
                    _ => "no source gives it".to_owned(),
                };
                diagnostics.push(Diagnostic::new(
                    &file,
                    l,
                    Severity::Warning,
                    format!(
                        "routes of {what} ({} view) are not derived: its URL base is unknown ({why})",
                        fw.name
                    ),
                ).with_check("view-unbound"));
                return;
            }
        };
        let prefixes = match reg.router {
            Some((pos, kw)) => {
                let router = reg_arg(reg_args, pos, kw).and_then(|e| match e {
                    Expr::Name(n) => self.router_var(u, scope, n),
                    _ => None,
                });
                self.mounts(router, 0)
            }
            None => self.mounts(None, 0),
        };
        // The routes' view: the registered class (a framework CRUD view used directly has none).
        let view = t.class.map(|(cu, cd)| View::Class(cu, cd));
        let include = fw.include_attr.and_then(|a| self.list_attr(t.class, a));
        let exclude = fw
            .exclude_attr
            .and_then(|a| self.list_attr(t.class, a))
            .unwrap_or_default();
        let routed = |name: &str| {
            include.as_ref().is_none_or(|i| i.iter().any(|x| x == name))
                && !exclude.iter().any(|x| x == name)
        };
        // Methods of the class and its repository bases, nearest first.
        let methods = t.class.map(|c| self.methods_of(c)).unwrap_or_default();
        for &(mu, md) in &methods {
            let def = &self.units[mu].facts.defs[md];
            let name = last_segment(&def.qualname);
            if !routed(name) {
                continue;
            }
            let handler = self.ix.symbol_id(mu, md);
            let file = self.units[mu].file.rel.clone();
            let decorated = self.decorated_rules(fw, mu, md);
            if !decorated.is_empty() {
                for (rule, verbs) in decorated {
                    let path = route_path(&url, &rule);
                    let pairs: Vec<(String, String)> =
                        verbs.iter().map(|m| (m.clone(), handler.clone())).collect();
                    self.add(&prefixes, &[path], &pairs, None, view, &file, def.line);
                }
                continue;
            }
            let Some(conv) = fw.conventions else { continue };
            if conv.skipped_prefixes.iter().any(|p| name.starts_with(p)) {
                continue;
            }
            let segments: Vec<String> = self
                .argument_segments(mu, md, conv.converters)
                .into_iter()
                .filter(|seg| !url_has_variable(&url, seg))
                .collect();
            let (rule, verbs): (String, &[&str]) =
                match conv.special.iter().find(|(n, _)| *n == name) {
                    Some((_, verbs)) => ("/".to_owned(), verbs),
                    None => (format!("/{name}/"), conv.others),
                };
            let mut path = collapse(&format!("{url}/{rule}/{}", segments.join("/")));
            if conv.trailing_slash && !path.ends_with('/') {
                path.push('/');
            }
            let pairs: Vec<(String, String)> = verbs
                .iter()
                .map(|m| ((*m).to_owned(), handler.clone()))
                .collect();
            self.add(&prefixes, &[path], &pairs, None, view, &file, def.line);
        }
        // Endpoints the framework bases contribute, unless the class defines the method
        // itself (a plain override drops the framework's route; a decorated one was read
        // above).
        let own: Vec<&str> = methods
            .iter()
            .map(|&(mu, md)| last_segment(&self.units[mu].facts.defs[md].qualname))
            .collect();
        let handler = match (t.class, t.ctor) {
            (Some((cu, cd)), _) => Some(self.ix.symbol_id(cu, cd)),
            (None, Some((args, cu, cscope))) => self.model_handler(base, args, cu, cscope),
            _ => None,
        };
        let mut seen: Vec<&str> = Vec::new();
        for b in &bases {
            for ep in b.endpoints {
                if seen.contains(&ep.method) || own.contains(&ep.method) || !routed(ep.method) {
                    continue;
                }
                seen.push(ep.method);
                let Some(handler) = &handler else {
                    diagnostics.push(Diagnostic::new(
                        &reg_file,
                        line,
                        Severity::Warning,
                        format!(
                            "{} view `{class_name}` is registered without a repository class or model to handle its `{}` endpoints; they are not read",
                            fw.name, ep.method
                        ),
                    ).with_check("view-unbound"));
                    continue;
                };
                for (rule, verbs) in ep.rules {
                    let path = route_path(&url, rule);
                    let pairs: Vec<(String, String)> = verbs
                        .iter()
                        .map(|m| ((*m).to_owned(), handler.clone()))
                        .collect();
                    self.add(&prefixes, &[path], &pairs, None, view, &reg_file, line);
                }
            }
        }
    }

    /// The repository model class a framework CRUD view is built on (`ModelView(User, ...)`):
    /// the handler of the endpoints the framework serves for it.
    fn model_handler(&self, base: &Base, args: &[Arg], u: usize, scope: &str) -> Option<String> {
        let (kw, pos) = base
            .vars
            .iter()
            .flat_map(|(_, s)| s.iter())
            .find_map(|s| match s {
                Source::ConstructorName { keyword, position } => Some((*keyword, *position)),
                _ => None,
            })?;
        let Expr::Name(n) = reg_arg(args, pos, kw)? else {
            return None;
        };
        match self.ix.resolve(u, scope, n) {
            Value::Def(mu, md) => Some(self.ix.symbol_id(mu, md)),
            _ => None,
        }
    }

    /// The class's methods and its repository bases', nearest definition of each name first.
    fn methods_of(&self, class: (usize, usize)) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for (cu, cd) in self.class_chain(class) {
            let qual = self.units[cu].facts.defs[cd].qualname.as_str();
            for (md, def) in self.units[cu].facts.defs.iter().enumerate() {
                if def.kind != DefKind::Method || parent_scope(&def.qualname) != qual {
                    continue;
                }
                let name = last_segment(&def.qualname);
                if names.contains(&name) {
                    continue;
                }
                names.push(name);
                out.push((cu, md));
            }
        }
        out
    }

    /// A class and its repository bases, breadth first, bounded.
    fn class_chain(&self, class: (usize, usize)) -> Vec<(usize, usize)> {
        let mut chain = vec![class];
        let mut i = 0;
        while i < chain.len() && chain.len() < 32 {
            let (cu, cd) = chain[i];
            for b in self.ix.repo_bases(cu, cd, 0) {
                if !chain.contains(&b) {
                    chain.push(b);
                }
            }
            i += 1;
        }
        chain
    }

    /// (rule, HTTP methods) of each route decorator of the framework on a method.
    fn decorated_rules(&self, fw: &Framework, u: usize, d: usize) -> Vec<(String, Vec<String>)> {
        let def = &self.units[u].facts.defs[d];
        let mut out = Vec::new();
        for deco in &def.decorators {
            let (callee, args): (&str, &[Arg]) = match deco {
                Expr::Call { callee, args } => (callee, args),
                Expr::Name(n) => (n, &[]),
                _ => continue,
            };
            let Some(rd) = fw
                .decorators
                .iter()
                .find(|r| r.name == last_segment(callee))
            else {
                continue;
            };
            let rule = match reg_arg(args, rd.rule.0, rd.rule.1) {
                Some(e) => match self.config.string(e) {
                    Some(s) => s,
                    None => continue,
                },
                None => rd.default_rule.to_owned(),
            };
            let methods = reg_arg(args, rd.methods.0, rd.methods.1)
                .and_then(strings)
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| rd.default_methods.iter().map(|m| (*m).to_owned()).collect());
            out.push((rule, methods.iter().map(|m| m.to_uppercase()).collect()));
        }
        out
    }

    /// `<arg>` segments for a method's ordinary parameters after `self`.
    fn argument_segments(&self, u: usize, d: usize, converters: &[(&str, &str)]) -> Vec<String> {
        self.units[u].facts.defs[d]
            .params
            .iter()
            .skip(1)
            .filter(|p| p.star == 0)
            .map(|p| {
                match p
                    .annotation
                    .as_deref()
                    .and_then(|a| converters.iter().find(|(t, _)| *t == a))
                {
                    Some((_, conv)) => format!("<{conv}:{}>", p.name),
                    None => format!("<{}>", p.name),
                }
            })
            .collect()
    }

    /// A class attribute's assignment in the class body, through its repository bases.
    fn class_attr(&self, class: (usize, usize), name: &str) -> Option<(&'a Expr, usize)> {
        let units = self.units;
        for (cu, cd) in self.class_chain(class) {
            let qual = units[cu].facts.defs[cd].qualname.as_str();
            let found = units[cu].facts.assigns.iter().find(|a| {
                a.kind == AssignKind::Plain
                    && a.scope == qual
                    && a.targets.len() == 1
                    && a.targets[0] == name
            });
            if let Some(a) = found {
                return Some((&a.value, cu));
            }
        }
        None
    }

    fn list_attr(&self, class: Option<(usize, usize)>, name: &str) -> Option<Vec<String>> {
        let (e, _) = self.class_attr(class?, name)?;
        strings(e)
    }

    /// The first source that yields a value; `Err` when a source is present but not a
    /// literal seam can read (then the URL is unknown rather than guessed).
    fn first_of(
        &self,
        sources: &[Source],
        ctx: &Ctx<'_, 'a>,
        depth: u32,
    ) -> Result<Option<String>, String> {
        for s in sources {
            if let Some(v) = self.source(s, ctx, depth)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    fn source(&self, s: &Source, ctx: &Ctx<'_, 'a>, depth: u32) -> Result<Option<String>, String> {
        if depth > MAX_TEMPLATE_DEPTH {
            return Ok(None);
        }
        let literal = |e: &Expr, what: &str| -> Result<Option<String>, String> {
            match e {
                Expr::Const(c) if c == "None" => Ok(None),
                _ => match self.config.string(e) {
                    Some(v) => Ok(Some(v)),
                    None => Err(format!("`{what}` is not a literal")),
                },
            }
        };
        match s {
            Source::Attr(name) => match ctx.class.and_then(|c| self.class_attr(c, name)) {
                Some((e, _)) => literal(e, name),
                None => Ok(None),
            },
            Source::RegistrationKeyword(k) => match keyword(ctx.registration, k) {
                Some(e) => literal(e, k),
                None => Ok(None),
            },
            Source::ConstructorArg {
                keyword: k,
                position,
            } => {
                match ctx
                    .ctor
                    .and_then(|(args, _, _)| reg_arg(args, *position, k))
                {
                    Some(e) => literal(e, k),
                    None => Ok(None),
                }
            }
            Source::ConstructorName {
                keyword: k,
                position,
            } => {
                match ctx
                    .ctor
                    .and_then(|(args, _, _)| reg_arg(args, *position, k))
                {
                    Some(Expr::Name(n)) => Ok(Some(last_segment(n).to_lowercase())),
                    Some(_) => Err(format!("`{k}` is not a name")),
                    None => Ok(None),
                }
            }
            Source::ReceiverKeyword {
                keyword: k,
                default,
            } => match ctx.receiver_args.and_then(|args| keyword(args, k)) {
                Some(e) => literal(e, k).map(|v| v.or_else(|| Some((*default).to_owned()))),
                None => Ok(Some((*default).to_owned())),
            },
            Source::ClassName { strip, dashed } => {
                let name = ctx.class_name.strip_suffix(strip).unwrap_or(ctx.class_name);
                let name = if name.is_empty() {
                    ctx.class_name
                } else {
                    name
                };
                Ok(Some(if *dashed {
                    dashify(name)
                } else {
                    name.to_lowercase()
                }))
            }
            Source::Template(t) => self.template(t, ctx, depth + 1).map(Some),
            Source::Under { parent, sources } => match self.first_of(sources, ctx, depth + 1)? {
                Some(v) if v.starts_with('/') => Ok(Some(v)),
                Some(v) => {
                    let p = self.var(parent, ctx, depth + 1)?;
                    Ok(Some(format!("{}/{v}", p.trim_end_matches('/'))))
                }
                None => Ok(None),
            },
            Source::Literal(l) => Ok(Some((*l).to_owned())),
        }
    }

    fn var(&self, name: &str, ctx: &Ctx<'_, 'a>, depth: u32) -> Result<String, String> {
        let sources = ctx
            .base
            .vars
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .unwrap_or(&[]);
        Ok(self.first_of(sources, ctx, depth)?.unwrap_or_default())
    }

    fn template(&self, t: &str, ctx: &Ctx<'_, 'a>, depth: u32) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = t;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                return Ok(out);
            };
            out.push_str(&self.var(&after[..close], ctx, depth)?);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(collapse(&out))
    }

    /// Route decorators of a framework (resolving under its packages) on methods of classes
    /// that derive none of its known bases: no route can be derived for them.
    fn stray_decorators(
        &self,
        classes: &BTreeMap<(usize, usize), FrameworkClass>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        for (u, unit) in self.units.iter().enumerate() {
            for def in &unit.facts.defs {
                if def.kind != DefKind::Method {
                    continue;
                }
                let class_q = parent_scope(&def.qualname);
                let Some(cd) = self.ix.def_of_scope(u, class_q) else {
                    continue;
                };
                for deco in &def.decorators {
                    let callee = match deco {
                        Expr::Call { callee, .. } => callee.as_str(),
                        Expr::Name(n) => n.as_str(),
                        _ => continue,
                    };
                    let Value::External(ext) = self.ix.resolve(u, parent_scope(class_q), callee)
                    else {
                        continue;
                    };
                    let Some(fw) = FRAMEWORKS.iter().position(|fw| {
                        in_packages(&ext, fw.packages)
                            && fw.decorators.iter().any(|d| d.name == last_segment(&ext))
                    }) else {
                        continue;
                    };
                    if classes.get(&(u, cd)).is_some_and(|fc| fc.fw == fw) {
                        continue;
                    }
                    diagnostics.push(Diagnostic::new(
                        &unit.file.rel,
                        def.line,
                        Severity::Warning,
                        format!(
                            "`@{callee}` on `{}`: its class derives no {} view base seam knows; no route is derived",
                            def.qualname, FRAMEWORKS[fw].name
                        ),
                    ).with_check("view-unbound"));
                }
            }
        }
    }
}

/// A view as a registration names it: an expression, or the receiver's name.
#[derive(Debug, Clone, Copy)]
enum ViewRef<'e> {
    Expr(&'e Expr),
    Name(&'e str),
}

/// The expressions a registration names as views.
fn view_exprs<'e>(
    reg: &Registration,
    args: &'e [Arg],
    receiver: Option<&'e str>,
) -> Vec<ViewRef<'e>> {
    match reg.view {
        ViewArg::Receiver => receiver.map(|r| vec![ViewRef::Name(r)]).unwrap_or_default(),
        ViewArg::ClassAttribute { .. } => Vec::new(),
        ViewArg::Arg { all: true, .. } => args
            .iter()
            .filter(|a| a.keyword.is_none())
            .map(|a| ViewRef::Expr(&a.value))
            .collect(),
        ViewArg::Arg {
            position,
            keyword: k,
            ..
        } => reg_arg(args, Some(position), k)
            .map(ViewRef::Expr)
            .into_iter()
            .collect(),
    }
}

fn views_are_strings(views: &[ViewRef<'_>]) -> bool {
    views
        .iter()
        .any(|e| matches!(e, ViewRef::Expr(Expr::Str(_))))
}

fn reg_arg<'e>(args: &'e [Arg], position: Option<usize>, k: &str) -> Option<&'e Expr> {
    position
        .and_then(|p| positional(args, p))
        .or_else(|| if k.is_empty() { None } else { keyword(args, k) })
}

/// The framework and base an external dotted name denotes: root package and class name.
fn framework_base(name: &str) -> Option<(usize, &'static Base)> {
    let class = last_segment(name);
    FRAMEWORKS.iter().enumerate().find_map(|(f, fw)| {
        if !in_packages(name, fw.packages) {
            return None;
        }
        fw.bases
            .iter()
            .find(|b| b.classes.contains(&class))
            .map(|b| (f, b))
    })
}

fn in_packages(name: &str, packages: &[&str]) -> bool {
    let root = name.split('.').next().unwrap_or(name);
    packages.contains(&root)
}

/// A rule under a class's URL base, joined like Flask joins a blueprint prefix.
fn route_path(base: &str, rule: &str) -> String {
    collapse(&join_path(base, rule))
}

/// Whether a URL already holds the variable of a `<arg>` / `<conv:arg>` segment (an argument
/// of the class's `route_base`, which flask-classful does not repeat).
fn url_has_variable(url: &str, segment: &str) -> bool {
    let name = segment
        .trim_start_matches('<')
        .trim_end_matches('>')
        .rsplit(':')
        .next()
        .unwrap_or("");
    url.split('/').any(|part| {
        part.starts_with('<')
            && part.ends_with('>')
            && part[1..part.len() - 1].rsplit(':').next() == Some(name)
    })
}

/// Runs of `/` become one.
fn collapse(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// flask-classful's `_dashify_uppercase`: `UserProfile` → `user-profile`, `HTTPServer` →
/// `http-server`.
fn dashify(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_dashify_like_flask_classful() {
        assert_eq!(dashify("UserProfile"), "user-profile");
        assert_eq!(dashify("HTTPServer"), "http-server");
        assert_eq!(dashify("Quotes"), "quotes");
    }

    #[test]
    fn route_base_variables_are_not_repeated() {
        assert!(url_has_variable("/users/<int:user_id>", "<user_id>"));
        assert!(!url_has_variable("/users/<int:user_id>", "<id>"));
    }

    #[test]
    fn paths_collapse() {
        assert_eq!(collapse("//quotes//"), "/quotes/");
        assert_eq!(route_path("/api/v1/x", "/"), "/api/v1/x/");
        assert_eq!(route_path("", "/"), "/");
    }

    #[test]
    fn framework_bases_by_package_and_class() {
        assert!(framework_base("flask_appbuilder.api.ModelRestApi").is_some());
        assert!(framework_base("flask_appbuilder.ModelView").is_some());
        assert!(framework_base("flask_admin.contrib.sqla.ModelView").is_some());
        assert!(framework_base("other.ModelView").is_none());
    }
}
