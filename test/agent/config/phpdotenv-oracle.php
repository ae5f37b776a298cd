<?php

// The differential test's oracle: the real vlucas/phpdotenv loads a batch of cases in one process.
// Usage: php phpdotenv-oracle.php <manifest.json>, where the manifest is
//   [{"dir": "/abs/folder", "files": [".env", ".env.local"], "environment": {"NAME": "value"}}, ...]
// and prints one JSON array, per case either {"values": [[name, value], ...]} (the repository after
// load(): what the app's env() sees) or {"error": "<exception class>: <message>"}.
// The repository is an immutable array-backed one prefilled with `environment`: the same
// ImmutableWriter and Loader as Laravel's and Bedrock's, without touching this process's own environment.

declare(strict_types=1);

$autoload = getenv('PHPDOTENV_AUTOLOAD') ?: '/usr/share/php/Dotenv/autoload.php';
require_once $autoload;

use Dotenv\Dotenv;
use Dotenv\Repository\Adapter\ArrayAdapter;
use Dotenv\Repository\RepositoryBuilder;

$cases = json_decode((string) file_get_contents($argv[1]), true, 512, JSON_THROW_ON_ERROR);
$results = [];
foreach ($cases as $case) {
    $adapter = ArrayAdapter::create()->get();
    $environment = (array) $case['environment'];
    foreach ($environment as $name => $value) {
        $adapter->write((string) $name, $value);
    }
    $repository = RepositoryBuilder::createWithNoAdapters()->addAdapter($adapter)->immutable()->make();
    try {
        $loaded = Dotenv::create($repository, $case['dir'], $case['files'], false)->load();
        $names = array_unique(array_map('strval', array_merge(array_keys($environment), array_keys($loaded))));
        sort($names, SORT_STRING);
        $values = [];
        foreach ($names as $name) {
            $value = $repository->get($name);
            if ($value !== null) {
                $values[] = [$name, $value];
            }
        }
        $results[] = ['values' => $values];
    } catch (Throwable $error) {
        $results[] = ['error' => get_class($error) . ': ' . $error->getMessage()];
    }
}
echo json_encode($results, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE), "\n";
