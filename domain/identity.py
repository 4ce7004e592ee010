"""Shape checks of requester identity (Perki 1/2021; docs/domain.md "The request")."""

from __future__ import annotations

import re

# Province codes (kode wilayah Kemendagri) that appear as the first two digits of a NIK.
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
     71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97}
)  # fmt: skip
_NIK = re.compile(r"[0-9]{16}")  # ASCII digits only: `\d` would take fullwidth and Arabic-Indic digits
_NIK_SEPARATORS = re.compile(r"[\s.\-]")


def normalise_nik(nik: str) -> str:
    """The NIK as typed from a KTP, without the spaces, dots or dashes people put between its groups."""
    return _NIK_SEPARATORS.sub("", nik)


def nik_problem(nik: str) -> str | None:
    """Why `nik` cannot be a NIK, or None: 16 digits, a province code, a plausible birth date.

    Layout: PP KK CC DD MM YY SSSS (province, regency, district, day of birth +40 for women, month, year,
    serial)."""
    if not _NIK.fullmatch(nik):
        if any(c.isdigit() and not c.isascii() for c in nik):
            return "NIK harus ditulis dengan angka 0-9 biasa (bukan angka lebar penuh atau aksara lain)"
        return "NIK harus 16 digit angka"
    if int(nik[:2]) not in PROVINCE_CODES:
        return "dua digit pertama NIK bukan kode provinsi yang dikenal"
    if nik[2:4] == "00" or nik[4:6] == "00":
        return "kode kabupaten/kota dan kecamatan pada NIK tidak boleh 00"
    day, month = int(nik[6:8]), int(nik[8:10])
    if day > 40:
        day -= 40
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return "tanggal lahir pada NIK (digit 7-12) tidak masuk akal"
    if nik[12:] == "0000":
        return "nomor urut pada NIK tidak boleh 0000"
    return None


def mask_nik(nik: str | None) -> str | None:
    """`6103**********03`: the NIK as shown to everyone but the Komisi Informasi."""
    if not nik:
        return nik
    return nik[:4] + "*" * (len(nik) - 6) + nik[-2:]
