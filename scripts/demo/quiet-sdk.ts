// Imported first by the demo: the AWS SDK decides whether to print its Node-version notice when its
// modules load, so the variable must be set before any of them is imported (here and in every child,
// which inherit it). The notice is about future SDK releases, not about what this demo runs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
