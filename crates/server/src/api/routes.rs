//! The router and the OpenAPI document from one registration: a route is added with its
//! handler, and what the handler takes and answers (its argument and return types) becomes
//! the route's operation in `/openapi.json`. A handler whose body or answer has no schema
//! ([`Arg`], [`Answer`]) does not compile, so no route can be left undescribed and no
//! described route can be missing from the router.

use std::future::Future;
use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, IntoResponseParts, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{Json, Router};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{ApiError, Authed, Client, SessionAuthed};
use crate::platform::Error;

/// A schema made by the generator: a `$ref` into `components/schemas` for a named type.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

pub const JSON: &str = "application/json";

/// How a route authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None,
    /// Session cookie (with CSRF on writes) or API token.
    User,
    /// Session cookie only (with CSRF on writes).
    Session,
    /// The SDK's HMAC signature headers.
    Sdk,
}

/// A route's request body.
#[derive(Clone, Copy)]
pub enum Body {
    NoBody,
    /// (schema, media type)
    Required(SchemaFn, &'static str),
    /// May be left out (`{}` or nothing is the same).
    Optional(SchemaFn, &'static str),
}

/// One operation of the document, as its handler's types describe it.
#[derive(Clone)]
pub struct Op {
    /// Lower case, as OpenAPI writes it.
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub auth: Auth,
    /// Object schemas whose properties are the query parameters.
    pub query: Vec<SchemaFn>,
    pub body: Body,
    /// What the body is, in words, where the schema does not say it all.
    pub body_note: Option<&'static str>,
    /// (schema, media type) of the 200 answer.
    pub answer: (SchemaFn, &'static str),
}

pub fn of<T: JsonSchema + ?Sized>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// Inline, so that a query struct's properties can become parameters.
fn inline<T: JsonSchema + ?Sized>(g: &mut SchemaGenerator) -> Schema {
    T::json_schema(g)
}

fn nothing(_: &mut SchemaGenerator) -> Schema {
    json_schema!({})
}

/// What a handler's argument adds to its operation.
pub trait Arg {
    fn describe(_: &mut Op) {}
}

/// What a handler's answer adds to its operation: the 200 answer's schema and media type.
pub trait Answer {
    fn describe(op: &mut Op);
}

impl<T> Arg for State<T> {}
impl<T> Arg for Path<T> {}
impl Arg for Client {}
impl Arg for HeaderMap {}
impl Arg for Uri {}
impl Arg for Method {}

impl Arg for Authed {
    fn describe(op: &mut Op) {
        op.auth = Auth::User;
    }
}

impl Arg for SessionAuthed {
    fn describe(op: &mut Op) {
        op.auth = Auth::Session;
    }
}

impl<T: JsonSchema> Arg for Query<T> {
    fn describe(op: &mut Op) {
        op.query.push(inline::<T>);
    }
}

impl<T: JsonSchema> Arg for Json<T> {
    fn describe(op: &mut Op) {
        op.body = Body::Required(of::<T>, JSON);
    }
}

impl<T: JsonSchema + Serialize> Answer for Json<T> {
    fn describe(op: &mut Op) {
        op.answer = (of::<T>, JSON);
    }
}

impl<R: Answer, E> Answer for Result<R, E> {
    fn describe(op: &mut Op) {
        R::describe(op);
    }
}

/// Headers (a cookie, paging) beside a typed answer.
impl<P: IntoResponseParts, R: Answer> Answer for (P, R) {
    fn describe(op: &mut Op) {
        R::describe(op);
    }
}

/// A handler whose arguments and answer are all described.
pub trait Described<Args> {
    fn describe(op: &mut Op);
}

macro_rules! described {
    ($($a:ident),*) => {
        impl<F, Fut, $($a,)*> Described<($($a,)*)> for F
        where
            F: FnOnce($($a),*) -> Fut,
            Fut: Future,
            Fut::Output: Answer,
            $($a: Arg,)*
        {
            fn describe(op: &mut Op) {
                $(<$a as Arg>::describe(op);)*
                <Fut::Output as Answer>::describe(op);
            }
        }
    };
}

described!();
described!(A1);
described!(A1, A2);
described!(A1, A2, A3);
described!(A1, A2, A3, A4);
described!(A1, A2, A3, A4, A5);
described!(A1, A2, A3, A4, A5, A6);

/// What the routes of one part of the server are, before the part's state is given.
pub struct Spec {
    method: Method,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    body_note: Option<&'static str>,
}

macro_rules! spec_fns {
    ($($name:ident => $method:ident),*) => {$(
        pub fn $name(path: &'static str, tag: &'static str, summary: &'static str) -> Spec {
            Spec { method: Method::$method, path, tag, summary, body_note: None }
        }
    )*};
}

spec_fns!(get => GET, post => POST, put => PUT, delete => DELETE);

impl Spec {
    pub fn body_note(mut self, note: &'static str) -> Spec {
        self.body_note = Some(note);
        self
    }
}

/// A router with the operations its routes answer.
pub struct Routes<S> {
    router: Router<S>,
    ops: Vec<Op>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            ops: vec![],
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn route<H, T, A>(self, spec: Spec, handler: H) -> Self
    where
        H: Handler<T, S> + Described<A>,
        T: 'static,
    {
        self.route_with(spec, handler, |r| r)
    }

    /// [`Routes::route`] with the method router changed (a layer for this route only).
    pub fn route_with<H, T, A>(
        mut self,
        spec: Spec,
        handler: H,
        f: impl FnOnce(MethodRouter<S>) -> MethodRouter<S>,
    ) -> Self
    where
        H: Handler<T, S> + Described<A>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(spec.method.clone()).expect("a plain method");
        let method = match spec.method {
            Method::GET => "get",
            Method::POST => "post",
            Method::PUT => "put",
            Method::DELETE => "delete",
            _ => unreachable!("Spec is made for these methods only"),
        };
        let mut op = Op {
            method,
            path: spec.path,
            tag: spec.tag,
            summary: spec.summary,
            auth: Auth::None,
            query: vec![],
            body: Body::NoBody,
            body_note: spec.body_note,
            answer: (nothing, JSON),
        };
        H::describe(&mut op);
        self.ops.push(op);
        self.router = self.router.route(spec.path, f(on(filter, handler)));
        self
    }

    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.ops.extend(other.ops);
        self
    }

    /// The router, for layers and state, and the operations.
    pub fn into_parts(self) -> (Router<S>, Vec<Op>) {
        (self.router, self.ops)
    }

    pub fn with_state(self, state: S) -> Router {
        self.router.with_state(state)
    }
}

/// An optional JSON body: nothing (or only white space) is `T::default()`. A body that is
/// there must be `T` (422 `bad_request` otherwise).
pub struct OptionalJson<T>(pub T);

impl<T, S> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        serde_json::from_slice(&body)
            .map(OptionalJson)
            .map_err(|e| ApiError(Error::invalid("bad_request", e.to_string())).into_response())
    }
}

impl<T: JsonSchema> Arg for OptionalJson<T> {
    fn describe(op: &mut Op) {
        op.body = Body::Optional(of::<T>, JSON);
    }
}

/// A ZIP upload's bytes.
pub struct ZipBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ZipBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        Bytes::from_request(req, state)
            .await
            .map(ZipBody)
            .map_err(IntoResponse::into_response)
    }
}

fn zip(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "contentMediaType": "application/zip"})
}

impl Arg for ZipBody {
    fn describe(op: &mut Op) {
        op.body = Body::Required(zip, "application/zip");
    }
}

/// A body signed with the SDK headers: kept as bytes (the signature covers them exactly),
/// read as `T` once the signature holds.
pub struct SdkBody<T> {
    pub bytes: Bytes,
    of: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> SdkBody<T> {
    pub fn parse(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.bytes)
    }
}

impl<T, S: Send + Sync> FromRequest<S> for SdkBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(SdkBody {
            bytes,
            of: PhantomData,
        })
    }
}

impl<T: JsonSchema> Arg for SdkBody<T> {
    fn describe(op: &mut Op) {
        op.auth = Auth::Sdk;
        op.body = Body::Required(of::<T>, JSON);
    }
}

/// A delivered package's bytes (or an error, a 304 or a 416).
pub struct PackageBytes(pub Response);

impl IntoResponse for PackageBytes {
    fn into_response(self) -> Response {
        self.0
    }
}

fn package(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string", "contentMediaType": "application/octet-stream",
        "description": "The package's bytes (a signed ZIP, or a sealed envelope for a host app that asked for encryption).",
    })
}

impl Answer for PackageBytes {
    fn describe(op: &mut Op) {
        op.answer = (package, "application/octet-stream");
    }
}
