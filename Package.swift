// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "fazt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fazt", targets: ["fazt"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CFaztSystem"),
        .systemLibrary(
            name: "CJavaScriptCore",
            pkgConfig: "javascriptcoregtk-4.1",
            providers: [.apt(["libjavascriptcoregtk-4.1-dev"])]
        ),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(
            name: "FaztStore",
            dependencies: [
                "CSQLite",
                "CFaztSystem",
                "FaztGit",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        .target(name: "FaztGit", dependencies: ["CCrypto", "CZlib"], exclude: ["README.md"]),
        .target(
            name: "FaztGitRemote",
            dependencies: ["FaztGit", "FaztNet", "CCrypto", "CZlib"],
            exclude: ["README.md"]
        ),
        .target(name: "FaztAPI", exclude: ["README.md"]),
        .target(
            name: "FaztBackup",
            dependencies: ["FaztStore", "FaztNet", "CCrypto", "CZlib", "CFaztSystem"],
            exclude: ["README.md"]
        ),
        .target(
            name: "FaztKernel",
            dependencies: [
                "FaztAPI", "FaztGit", "FaztJSON", "FaztNet", "FaztScheduler", "FaztStorage", "FaztStore", "FaztVFS",
                "CCrypto",
            ],
            exclude: ["README.md"]
        ),
        .target(name: "FaztJSON"),
        .target(
            name: "FaztStorage",
            dependencies: ["FaztStore", "FaztJSON"],
            exclude: ["README.md"]
        ),
        .target(
            name: "FaztScheduler",
            dependencies: [
                "FaztStore",
                "FaztStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "FaztVFS",
            dependencies: ["FaztStore", "FaztGit", "FaztJSON", "FaztNet", "CArchive", "CCrypto", "CZlib"],
            exclude: ["README.md"]
        ),
        .target(
            name: "FaztNet",
            dependencies: [
                "CCurl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "FaztTLS",
            dependencies: [
                "CCrypto", "FaztJSON", "FaztKernel", "FaztNet", "FaztStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["README.md"]
        ),
        .executableTarget(name: "BundleJSTool"),
        .plugin(name: "BundleJSPlugin", capability: .buildTool(), dependencies: ["BundleJSTool"]),
        .executableTarget(name: "EmbedFilesTool"),
        .plugin(name: "EmbedTemplatesPlugin", capability: .buildTool(), dependencies: ["EmbedFilesTool"]),
        .target(
            name: "FaztRuntime",
            dependencies: [
                "CJavaScriptCore",
                "CCrypto",
                "FaztNet",
                "FaztStore",
                "FaztStorage",
                "FaztVFS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            plugins: ["BundleJSPlugin"]
        ),
        .target(name: "FaztAI", dependencies: ["FaztJSON"], exclude: ["README.md"]),
        .target(
            name: "FaztRealtime",
            dependencies: [
                "FaztJSON",
                "FaztVFS",
                "CCrypto",
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "FaztServer",
            dependencies: [
                "FaztAI",
                "FaztAPI",
                "FaztBackup",
                "FaztGit",
                "FaztGitRemote",
                "FaztKernel",
                "FaztStore",
                "FaztScheduler",
                "FaztStorage",
                "FaztVFS",
                "FaztRuntime",
                "FaztRealtime",
                "FaztTLS",
                "CFaztSystem",
                "CCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md", "Templates"],
            plugins: ["EmbedTemplatesPlugin"]
        ),
        .target(
            name: "FaztCLI",
            dependencies: [
                "FaztAPI",
                "FaztBackup",
                "FaztKernel",
                "FaztServer",
                "FaztScheduler",
                "FaztStore",
                "FaztVFS",
                "FaztNet",
                "FaztRuntime",
                "FaztRealtime",
                "FaztTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md", "Templates"],
            plugins: ["EmbedTemplatesPlugin"]
        ),
        .executableTarget(name: "fazt", dependencies: ["FaztCLI"]),
        .target(
            name: "FaztTestSupport",
            dependencies: ["FaztRuntime", "FaztStore", "FaztVFS", "FaztGit", "CArchive", "CCrypto", "CZlib"],
            path: "Tests/FaztTestSupport"
        ),
        .testTarget(name: "FaztGitTests", dependencies: ["FaztGit", "FaztGitRemote", "FaztTestSupport"]),
        .testTarget(name: "FaztBackupTests", dependencies: ["FaztBackup", "FaztStore", "FaztTestSupport"]),
        .testTarget(name: "FaztStoreTests", dependencies: ["FaztStore", "FaztGit", "FaztTestSupport"]),
        .testTarget(
            name: "FaztVFSTests",
            dependencies: ["FaztVFS", "FaztGit", "FaztJSON", "FaztNet", "FaztTestSupport"]
        ),
        .testTarget(name: "FaztStorageTests", dependencies: ["FaztStorage", "FaztStore", "FaztTestSupport"]),
        .testTarget(
            name: "FaztRuntimeTests",
            dependencies: [
                "FaztNet", "FaztRuntime", "FaztStorage", "FaztStore", "FaztTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "FaztNetTests",
            dependencies: [
                "FaztNet", "CCurl", "FaztTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "FaztAITests", dependencies: ["FaztAI", "FaztJSON"]),
        .testTarget(
            name: "FaztTLSTests",
            dependencies: [
                "FaztTLS", "FaztJSON", "FaztKernel", "FaztStore", "FaztTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "FaztRealtimeTests",
            dependencies: [
                "FaztRealtime",
                "FaztJSON",
                "FaztVFS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "FaztKernelTests",
            dependencies: [
                "FaztKernel", "FaztNet", "FaztScheduler", "FaztStore", "FaztTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FaztSchedulerTests",
            dependencies: [
                "FaztScheduler", "FaztStore", "FaztStorage", "FaztTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FaztServerTests",
            dependencies: [
                "FaztAPI", "FaztServer", "FaztTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "FaztEndToEndTests",
            dependencies: [
                "FaztTestSupport", "FaztGit", "FaztStore", "FaztVFS", "FaztStorage", "FaztScheduler", "CCrypto",
            ]
        ),
    ]
)
