import FaztGit
import Testing

@Suite struct GitWalkTests {
    /// Two commits: the second adds a file in a folder.
    private static func history() -> (objects: [GitObjectID: GitObject], first: GitObject, second: GitObject) {
        let a = GitObject(type: .blob, body: Array("a".utf8))
        let b = GitObject(type: .blob, body: Array("b".utf8))
        let one = GitTree.build([.init(path: "a.txt", blob: a.id)])
        let two = GitTree.build([.init(path: "a.txt", blob: a.id), .init(path: "dir/b.txt", blob: b.id)])
        let first = GitObject.commit(tree: one.root, parents: [], seconds: 1, message: "one")
        let second = GitObject.commit(tree: two.root, parents: [first.id], seconds: 2, message: "two")
        var objects: [GitObjectID: GitObject] = [:]
        for object in [a, b, first, second] + one.trees + two.trees { objects[object.id] = object }
        return (objects, first, second)
    }

    @Test func walksCommitsTreesAndBlobs() throws {
        let (objects, first, second) = Self.history()
        let all = try GitWalk.reachable(from: [second.id], load: { objects[$0] })
        #expect(all.commits == [second.id, first.id])
        #expect(all.blobs.count == 2)
        #expect(all.objects.count == 5)  // 2 commits, 2 root trees, 1 folder tree
        #expect(all.missing.isEmpty)
        // A shallow boundary stops at the commit; excluding what the other side has leaves the difference.
        let shallow = try GitWalk.reachable(from: [second.id], boundary: [second.id], load: { objects[$0] })
        #expect(shallow.commits == [second.id])
        let had = try GitWalk.reachable(from: [first.id], load: { objects[$0] })
        let new = try GitWalk.reachable(from: [second.id], exclude: had.objects.union(had.blobs), load: { objects[$0] })
        #expect(new.commits == [second.id])
        #expect(new.blobs.count == 1)
    }

    @Test func reportsMissingObjectsAndAncestry() throws {
        let (objects, first, second) = Self.history()
        var partial = objects
        partial[first.id] = nil
        let walk = try GitWalk.reachable(from: [second.id], load: { partial[$0] })
        #expect(walk.missing == [first.id])
        #expect(try GitWalk.isAncestor(first.id, of: second.id, load: { objects[$0] }))
        #expect(try !GitWalk.isAncestor(second.id, of: first.id, load: { objects[$0] }))
    }
}
