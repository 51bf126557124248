import Foundation

extension CertificateManager {
    private enum Admission {
        case serve(ServedCertificate)
        case wait
        case issue
        case refuse(String)
    }

    /// Queues `waiter` on the order for `name`, starting one when none runs and the limits allow.
    func join(name: String, waiter: Waiter) {
        let now = settings.clock()
        let limit = settings.ordersPerMinute
        let maxWaiters = settings.maxWaitersPerName
        let admission = state.withLock { state -> Admission in
            if let certificate = state.served[name] { return .serve(certificate) }
            if var queue = state.waiting[name] {
                guard queue.count < maxWaiters else { return .refuse("too many handshakes wait for \(name)") }
                queue.append(waiter)
                state.waiting[name] = queue
                return .wait
            }
            if let failure = state.failures[name], failure.retryAt > now {
                return .refuse("issuing for \(name) failed recently; retrying after \(failure.retryAt - now) s")
            }
            state.orderTimes.removeAll { $0 <= now - 60 }
            guard state.orderTimes.count < limit else {
                return .refuse("the limit of \(limit) orders a minute is reached")
            }
            state.orderTimes.append(now)
            state.waiting[name] = [waiter]
            return .issue
        }
        switch admission {
        case .serve(let certificate): waiter.succeed(certificate)
        case .wait: break
        case .refuse(let reason): waiter.fail(TLSError(.refused, reason))
        case .issue: work.async { [self] in issueWaiting(name) }
        }
    }

    /// Issues `name`'s certificate and answers everyone waiting for it.
    private func issueWaiting(_ name: String) {
        let result = Result { try issue(name) }
        let waiters = state.withLock { $0.waiting.removeValue(forKey: name) ?? [] }
        for waiter in waiters {
            switch result {
            case .success(let certificate): waiter.succeed(certificate)
            case .failure(let error): waiter.fail(error)
            }
        }
    }

    /// Orders, validates, stores and installs a certificate for `name` (blocking); a failure
    /// starts (or lengthens) the name's backoff.
    @discardableResult
    func issue(_ name: String) throws -> ServedCertificate {
        do {
            let certificate = try obtain(name)
            state.withLock { state in
                state.served[name] = certificate
                state.failures[name] = nil
            }
            logger.info(
                "certificate issued",
                metadata: ["tls.name": "\(name)", "tls.not_after": "\(certificate.notAfter)"]
            )
            return certificate
        } catch {
            failuresTotal.add(1, ordering: .relaxed)
            let now = settings.clock()
            state.withLock { state in
                let count = (state.failures[name]?.count ?? 0) + 1
                state.failures[name] = (count, now + RenewalPolicy.backoff(failures: count))
            }
            logger.warning("certificate not issued", metadata: ["tls.name": "\(name)", "error": "\(error)"])
            throw error
        }
    }

    private func obtain(_ name: String) throws -> ServedCertificate {
        guard let acme = settings.acme else { throw TLSError(.refused, "no ACME server is configured") }
        let client = try acmeClient(acme)
        let key = try ECKey()
        let wildcard = name.hasPrefix("*.")
        let names = wildcard ? [name, String(name.dropFirst(2))] : [name]
        let solver: any ChallengeSolver =
            acme.dnsHook.map { DNSHookSolver(path: $0) as any ChallengeSolver } ?? challenges
        let chain = try client.obtain(
            names: names,
            solver: solver,
            certificateKey: key,
            accountChanged: { try storage.setAccountURL($0, directory: acme.directoryURL) },
            ordered: { orders.add(1, ordering: .relaxed) }
        )
        let keyPEM = try key.pem
        let certificate = try ServedCertificate(name: name, chainPEM: chain, keyPEM: keyPEM)
        try storage.save(certificate, keyPEM: keyPEM, issuer: acme.directoryURL)
        return certificate
    }

    private func acmeClient(_ acme: TLSSettings.ACME) throws -> ACMEClient {
        if let existing = client.withLock({ $0 }) { return existing }
        let (key, url) = try storage.account(directory: acme.directoryURL, email: acme.email)
        let fresh = ACMEClient(
            directoryURL: acme.directoryURL,
            accountKey: key,
            accountURL: url,
            email: acme.email,
            transport: CurlACMETransport(caFile: acme.caFile)
        )
        if url == nil { try storage.setAccountURL(try fresh.accountURL, directory: acme.directoryURL) }
        return client.withLock { current in
            if let current { return current }
            current = fresh
            return fresh
        }
    }

    // MARK: - Start, renewal, stop

    /// Starts the maintenance thread: the bare domain's certificate when none is held, then a
    /// renewal check at once and every `renewCheckSeconds`.
    public func start() {
        guard settings.acme != nil else { return }
        let thread = Thread { [self] in
            while true {
                maintain()
                stopSignal.lock()
                if !state.withLock({ $0.stopped }) {
                    _ = stopSignal.wait(until: Date().addingTimeInterval(settings.renewCheckSeconds))
                }
                stopSignal.unlock()
                if state.withLock({ $0.stopped }) { return }
            }
        }
        thread.name = "fazt-tls"
        thread.start()
    }

    /// Ends the maintenance thread after its current step.
    public func stop() {
        stopSignal.lock()
        state.withLock { $0.stopped = true }
        stopSignal.broadcast()
        stopSignal.unlock()
    }

    /// One maintenance step: obtain the domain's certificate if missing, renew what is due, and
    /// warn the owner about certificates close to expiry whose renewal fails.
    public func maintain() {
        // With a DNS hook the one certificate is the wildcard, which also names the domain.
        let domain = settings.acme?.dnsHook != nil ? "*." + settings.domain : settings.domain
        if state.withLock({ $0.served[domain] == nil && $0.fixed == nil }) {
            let now = settings.clock()
            let backedOff = state.withLock { ($0.failures[domain]?.retryAt ?? 0) > now }
            if !backedOff { _ = try? issue(domain) }
        }
        for certificate in state.withLock({ Array($0.served.values) }) {
            let now = settings.clock()
            guard
                RenewalPolicy.isDue(
                    name: certificate.name,
                    notBefore: certificate.notBefore,
                    notAfter: certificate.notAfter,
                    now: now
                )
            else { continue }
            let backedOff = state.withLock { ($0.failures[certificate.name]?.retryAt ?? 0) > now }
            if !backedOff, (try? issue(certificate.name)) != nil { continue }
            warnIfExpiring(certificate, now: now)
        }
    }

    private func warnIfExpiring(_ certificate: ServedCertificate, now: Int64) {
        let left = certificate.notAfter - now
        guard left <= settings.expiryWarningSeconds else { return }
        let due = state.withLock { state -> Bool in
            guard now - (state.warnedAt[certificate.name] ?? Int64.min / 2) >= 86_400 else { return false }
            state.warnedAt[certificate.name] = now
            return true
        }
        guard due else { return }
        let days = max(left, 0) / 86_400
        notifyOwner(
            "TLS certificate for \(certificate.name) expires in \(days) days",
            "Renewing the certificate for \(certificate.name) keeps failing (see the server log, 'certificate not issued'). "
                + "Check that port 80 reaches this server and DNS points \(certificate.name) here."
        )
        logger.warning("owner warned of certificate expiry", metadata: ["tls.name": "\(certificate.name)"])
    }
}
