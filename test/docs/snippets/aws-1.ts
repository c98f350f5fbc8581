// docs/aws.md, the two Function URL permissions.
import * as aws from "@pulumi/aws";

declare const fn: aws.lambda.Function;

// snippet:start
new aws.lambda.Permission("…-url-public", { action: "lambda:InvokeFunctionUrl", function: fn.name, principal: "*", functionUrlAuthType: "NONE" });
new aws.lambda.Permission("…-url-invoke", { action: "lambda:InvokeFunction",    function: fn.name, principal: "*", invokedViaFunctionUrl: true });
// snippet:end
