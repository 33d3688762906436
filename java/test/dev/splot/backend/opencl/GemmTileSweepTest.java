package dev.splot.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The GPU check's tile candidates are builds gemm.cl accepts on any OpenCL 1.2 GPU, the class's table entry first. */
class GemmTileSweepTest {
    @Test
    void candidatesStartWithTheTableEntryAndAreValidBuilds() {
        for (DeviceClass dc : DeviceClass.values()) {
            List<GemmTileSweep.Candidate> cs = GemmTileSweep.candidates(dc, 16);
            assertEquals(GemmTiles.TABLE.get(dc), cs.get(0).tile(), dc + ": the table entry is the reference for bits and speed");
            Set<GemmTile> distinct = new HashSet<>();
            for (GemmTileSweep.Candidate c : cs) {
                GemmTile t = c.tile();
                String what = dc + " " + c.name() + " " + t;
                assertTrue(distinct.add(t), what + " is measured once");
                assertTrue(t.hasPanel(), what + ": GPUs run the local-memory kernel");
                assertEquals(0, t.panelRows() % t.panelItems(), what + ": KB a multiple of WGM");
                assertTrue(t.panelBytes() <= 32 << 10, what + ": within the 32 KiB of local memory OpenCL 1.2 guarantees");
                assertTrue(t.panelItems() <= 256, what + ": work-group within 256 work-items");
                assertEquals(t, GemmTile.override(c.property(), GemmTiles.TABLE.get(DeviceClass.CPU)),
                        what + ": the printed -Dsplot.opencl.gemm value selects exactly this tile");
            }
        }
        assertEquals(8, GemmTileSweep.candidates(DeviceClass.NVIDIA_GPU, 1).size(), "table, six CLBlast mappings, generic");
    }
}
