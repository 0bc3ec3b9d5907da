//! What `server_fn` names of wasm-streams, for an app without server functions (README.md).

use futures_util::Stream;
use wasm_bindgen::JsValue;

/// A `ReadableStream` of the browser, as server_fn holds it.
pub struct ReadableStream(web_sys::ReadableStream);

impl ReadableStream {
    /// Wraps the browser's stream.
    pub fn from_raw(raw: web_sys::ReadableStream) -> Self {
        Self(raw)
    }

    /// The browser's stream.
    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.0
    }

    /// A streaming server function's request body: never made by this app.
    pub fn from_stream<St>(_stream: St) -> Self
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        unreachable!("the app has no server functions, so nothing streams a request through one")
    }

    /// A streaming server function's answer: never read by this app.
    pub fn into_stream(self) -> futures_util::stream::Empty<Result<JsValue, JsValue>> {
        unreachable!("the app has no server functions, so nothing reads a streamed answer from one")
    }
}
