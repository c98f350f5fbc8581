import { stackPolicy } from "../policy.js";
import { refersToEdge } from "./edge.js";

const FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl";

/**
 * A Function URL with `authorizationType: "NONE"` is open to the internet. Only the edge may be
 * exposed that way, because the edge validates every token itself; any other function behind a
 * public URL bypasses the MCP authorization entirely.
 * @severity critical
 * @link AWS Lambda Developer Guide, "Security and auth model for Lambda function URLs"
 */
export const awsLambdaFunctionUrlAuthNoneEdgeOnly = stackPolicy({
  name: "aws-lambda-function-url-auth-none-edge-only",
  description: "Lambda Function URLs with authorization NONE are allowed only on the MCP auth edge; other functions need AWS_IAM or must sit behind the edge.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validate(resources, _config, report) {
    for (const url of resources.filter((r) => r.type === FUNCTION_URL)) {
      if (url.props.authorizationType !== "NONE" || refersToEdge(url, "functionName", resources)) continue;
      const fn = typeof url.props.functionName === "string" ? `'${url.props.functionName}'` : "its function";
      report(
        `Function URL '${url.name}' exposes ${fn} to the internet with authorization NONE, but that function is not the MCP auth edge; set 'authorizationType: "AWS_IAM"', or put the function behind the edge (tag the edge Lambda with 'pulumi-mcp-auth:edge' if it is one).`,
        url.urn,
      );
    }
  },
});
