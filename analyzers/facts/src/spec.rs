//! Routes declared outside Python: OpenAPI/Swagger operations (connexion binds each to the
//! Python function its `operationId` names) and protobuf RPCs with HTTP options
//! (`google.api.http`, or an `endpoints` list), read from `.proto` text or from the
//! serialized descriptors protoc writes into `*_pb2.py`.

use serde::{Deserialize, Serialize};

/// Everything one spec file declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpecFile {
    pub operations: Vec<Operation>,
    /// Protobuf messages this file defines, qualified by its package (`mlflow.CreateRun`):
    /// a request class is looked up in the generated module that defines it.
    pub messages: Vec<String>,
}

/// One HTTP method and path bound to a target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Operation {
    /// Where it is declared (for a serialized descriptor: the line of the bytes literal).
    pub line: u32,
    /// Upper case (`GET`).
    pub method: String,
    /// As declared: `/pets/{id}` (OpenAPI, google.api.http) or `/mlflow/runs/get`.
    pub path: String,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Target {
    /// An OpenAPI operation: the dotted Python function (`api.pets.get_pet`), joined with its
    /// router controller when the id is bare; `base_path` from `basePath`/`servers`.
    Operation {
        operation_id: String,
        base_path: String,
    },
    /// A protobuf RPC: its service, method, request message (qualified: `mlflow.CreateRun`)
    /// and the major API
    /// version the endpoint declares (`since { major: 2 }`), if any.
    Rpc {
        service: String,
        method: String,
        request: String,
        since_major: Option<u32>,
        /// Declared in an option's `endpoints` list (which Python code iterates to build
        /// its served paths), rather than as a `google.api.http` rule.
        listed: bool,
    },
}
