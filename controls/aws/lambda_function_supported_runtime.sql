-- id: lambda_function_supported_runtime
-- title: Lambda functions use a supported runtime
-- severity: medium
-- remediation: Move the function to a supported runtime version and test it. With the AWS CLI: aws lambda update-function-configuration --function-name NAME --runtime python3.12
-- tags: lambda, patching, fsbp:Lambda.2
SELECT
  arn AS resource,
  CASE WHEN runtime IS NULL THEN 'skip'
       WHEN runtime IN ('python2.7', 'python3.6', 'python3.7', 'python3.8',
                        'nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x',
                        'java8', 'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet5.0', 'dotnet6',
                        'ruby2.5', 'ruby2.7', 'go1.x') THEN 'alarm'
       ELSE 'ok' END AS status,
  CASE WHEN runtime IS NULL THEN name || ' is a ' || coalesce(package_type, 'runtime-less') || ' function with no managed runtime.'
       WHEN runtime IN ('python2.7', 'python3.6', 'python3.7', 'python3.8',
                        'nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x',
                        'java8', 'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet5.0', 'dotnet6',
                        'ruby2.5', 'ruby2.7', 'go1.x') THEN name || ' runs on the deprecated runtime ' || runtime || '.'
       ELSE name || ' runs on ' || runtime || '.' END AS reason,
  account_id,
  region
FROM aws_lambda_function
