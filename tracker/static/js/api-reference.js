// The API reference page: Swagger UI over the app's own OpenAPI document (no inline script: the CSP allows 'self').
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var csrfToken = root.getAttribute("data-csrf-token");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // never ask the public validator (nothing loads from the network)
    // "Try it out" runs with this login: a change carries the page's CSRF token, as a form does.
    requestInterceptor: function (request) {
      if (request.method && request.method.toUpperCase() !== "GET") {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      request.credentials = "same-origin";
      return request;
    }
  });
}());
